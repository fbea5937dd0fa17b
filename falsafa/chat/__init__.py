"""The conversation: validate, lock, build context, stream, persist."""
