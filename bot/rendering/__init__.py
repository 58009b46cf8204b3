"""Rendering: everything the athlete reads is built here, from content/ texts.

* :mod:`bot.rendering.html` escapes interpolated values and keeps messages within
  Telegram's 4096-character limit;
* :mod:`bot.rendering.texts` looks up the messages of ``content/<lang>/bot.yaml``;
* :mod:`bot.rendering.callbacks` encodes and decodes callback data (versioned, <= 64 bytes);
* :mod:`bot.rendering.keyboards` turns the engine's answer options into inline keyboards.
"""

from bot.rendering.callbacks import CallbackData, decode, encode
from bot.rendering.html import escape, split_message
from bot.rendering.texts import Texts

__all__ = ["CallbackData", "Texts", "decode", "encode", "escape", "split_message"]
