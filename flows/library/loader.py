"""Read and validate `content/` into a `Library`.

`load_library(root, language)` reads every file listed in `schema.FILES`, validates each
against its model, then runs `validate_library` across files. All problems are collected
and raised together as one `ContentError`, each naming the file, the entry and the problem,
e.g. ``content/en/education.yaml: snippets[12] (id=sleep-basics): text is 812 characters,
the limit is 700``.

`parts=` loads a subset (the rest are empty placeholders and cross-file checks that need
them are skipped); unit tests use it so they do not depend on files other people are
still writing. The bot and `remodel content check` always load the complete library.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from flows.library.plurals import fill
from flows.library.schema import (
    FILES,
    ChecklistFile,
    CrossTrainingFile,
    EducationFile,
    Exercise,
    ExercisesFile,
    Message,
    MessagesFile,
    Modality,
    Model,
    PlansFile,
    ProtocolFile,
    QuestionnairesFile,
    ReadingsFile,
    Snippet,
    SourcesFile,
)

ALL_PARTS: frozenset[str] = frozenset(FILES)
#: The parts the engine engineer owns; enough for the rules, questionnaires and the plan
#: skeleton (exercise names and snippets then come from whatever else is loaded).
ENGINE_PARTS: frozenset[str] = frozenset(
    {
        "sources",
        "protocol",
        "questionnaires",
        "readings",
        "decisions",
        "safety",
        "checklist",
        "plans",
    }
)

M = TypeVar("M", bound=Model)


class ContentError(Exception):
    """The content did not load; `problems` lists each problem on its own line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} content problem(s):\n" + "\n".join(problems))


@dataclass(frozen=True)
class Library:
    """Everything in `content/` for one language, validated. Immutable; build once."""

    language: str
    sources: SourcesFile
    protocol: ProtocolFile
    questionnaires: QuestionnairesFile
    decisions: MessagesFile
    safety: MessagesFile
    checklist: ChecklistFile
    plans: PlansFile
    #: What the lenient answer reader understands (flows/reading/).
    readings: ReadingsFile
    exercises: ExercisesFile = field(default_factory=lambda: ExercisesFile(exercises=[]))
    crosstraining: CrossTrainingFile = field(
        default_factory=lambda: CrossTrainingFile(modalities=[])
    )
    education: EducationFile = field(default_factory=lambda: EducationFile(snippets=[], topics={}))
    bot: MessagesFile = field(default_factory=lambda: MessagesFile(messages={}))
    coach: MessagesFile = field(default_factory=lambda: MessagesFile(messages={}))
    #: Which parts were loaded from files (the others are empty placeholders).
    loaded: frozenset[str] = ALL_PARTS

    @cached_property
    def exercise_by_id(self) -> dict[str, Exercise]:
        return {e.id: e for e in self.exercises.exercises}

    @cached_property
    def modality_by_id(self) -> dict[str, Modality]:
        return {m.id: m for m in self.crosstraining.modalities}

    @cached_property
    def snippet_by_id(self) -> dict[str, Snippet]:
        return {s.id: s for s in self.education.snippets}

    def text(self, part: str, key: str, **params: object) -> str:
        """The message `key` of a messages part (decisions, safety, bot, coach), formatted.

        Values are inserted as given: escaping for HTML is the renderer's job (the bot
        escapes; the engine passes plain numbers and names it controls)."""
        messages: MessagesFile = getattr(self, part)
        return render_message(messages.messages[key], params, self.language)


def render_message(
    message: Message, params: Mapping[str, object], language: str, *, text: str | None = None
) -> str:
    """``message`` formatted with ``params`` (missing ones empty), its count parameters
    written as their plural phrase for ``language`` (flows.library.plurals). ``text``: one
    of the message's wordings (``message.choices``) instead of its first."""
    values = {p: params.get(p, "") for p in message.params}
    template = message.text if text is None else text
    return template.format(**fill(message.plurals, values, language))


def _display(root: Path, rel: str) -> str:
    return f"{root.name}/{rel}"


def _entry_label(raw: Any, loc: Iterable[int | str]) -> str:
    """`snippets[12] (id=sleep-basics): text` from a pydantic error location."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, Mapping) and "id" in node:
                    label += f" (id={node['id']})"
            else:
                node = None
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, Mapping) else None
    return ".".join(parts).replace(".[", "[")


def _format_validation(display: str, raw: Any, error: ValidationError) -> list[str]:
    problems = []
    for err in error.errors():
        loc = [k for k in err["loc"] if not (isinstance(k, str) and "[" in k)]
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = _entry_label(raw, loc)
        problems.append(f"{display}: {where}: {msg}" if where else f"{display}: {msg}")
    return problems


def parse_part(display: str, raw: Any, model: type[M]) -> tuple[M | None, list[str]]:
    """Validate already-read YAML data against `model`; (instance, []) or (None, problems)."""
    if not isinstance(raw, Mapping):
        return None, [f"{display}: the file must hold a mapping at the top level"]
    try:
        return model.model_validate(raw), []
    except ValidationError as error:
        return None, _format_validation(display, raw, error)


def _read(root: Path, rel: str) -> tuple[Any, list[str]]:
    path = root / rel
    display = _display(root, rel)
    if not path.is_file():
        return None, [f"{display}: file is missing"]
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return None, [f"{display}: not valid YAML{where}: {error}"]


def load_library(
    root: Path, language: str = "en", *, parts: Collection[str] | None = None
) -> Library:
    """Load and validate the content library under `root` (the `content/` folder).

    Raises `ContentError` listing every problem. With `parts`, only those parts are read
    (see `ENGINE_PARTS`); the others are empty and their cross-file checks are skipped.
    """
    wanted = frozenset(parts) if parts is not None else ALL_PARTS
    unknown = wanted - ALL_PARTS
    if unknown:
        raise ValueError(f"unknown library parts: {sorted(unknown)}")
    missing_core = ENGINE_PARTS - wanted
    if missing_core:
        raise ValueError(f"the engine parts are always needed: {sorted(missing_core)}")
    problems: list[str] = []
    loaded: dict[str, Model] = {}
    for name in sorted(wanted):
        pattern, model = FILES[name]
        rel = pattern.format(lang=language)
        raw, read_problems = _read(root, rel)
        problems += read_problems
        if read_problems:
            continue
        instance, part_problems = parse_part(_display(root, rel), raw, model)
        problems += part_problems
        if instance is not None:
            loaded[name] = instance
    if problems:
        raise ContentError(problems)
    library = Library(language=language, loaded=wanted, **loaded)  # type: ignore[arg-type]
    problems = validate_library(library, root_name=root.name)
    if problems:
        raise ContentError(problems)
    return library


# Imported late: validate needs Library (type) and the engine vocabularies.
from flows.library.validate import validate_library  # noqa: E402
