-- Every character a book's extraction found, in rank order, on the book:
-- [{"name", "aliases", "lines", "mentions", "character_id"}]. Only the ones
-- with a persona have a `characters` row (their character_id); the rest are
-- there so a reader sees the whole cast. Written by the backend before the
-- results; users read it with their book.
--
-- Guarded like the first migration: applying it twice changes nothing.

alter table public.books add column if not exists cast_list jsonb;
