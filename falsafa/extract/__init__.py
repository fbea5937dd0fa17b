"""Character extraction: who the characters are, their names, who says what."""
