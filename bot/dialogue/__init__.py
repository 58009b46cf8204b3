"""The dialogue driver: questionnaires walked one question at a time, position in the DB.

See :mod:`bot.dialogue.driver`. No PTB ConversationHandler and no persistence: the
``dialogues`` row (one per athlete) holds the questionnaire, the question index, the answers
so far, the nonce of the live keyboard and the message id of the question on screen.
"""
