"""Answer backends: each turns an `AnswerContext` into a `Draft`."""
