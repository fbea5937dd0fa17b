-- A processing job's progress on the book, for a progress bar: the stage it
-- is in (falsafa/jobs/progress.py) and how far the whole job is, 0 to 1.
-- Written by the worker while the book is `processing`; cleared when a new
-- intake marks the book `pending`. Users read them like the rest of their
-- book's row; only the backend (service role) writes them.
--
-- Guarded like the first migration: applying it twice changes nothing.

alter table public.books add column if not exists processing_stage text;
alter table public.books add column if not exists processing_progress double precision;

do $$
begin
  if not exists (
    select 1 from pg_constraint where conname = 'books_processing_stage_check'
  ) then
    alter table public.books add constraint books_processing_stage_check check (
      processing_stage in ('downloading', 'extracting', 'indexing', 'personas', 'saving')
    );
  end if;
  if not exists (
    select 1 from pg_constraint where conname = 'books_processing_progress_check'
  ) then
    alter table public.books add constraint books_processing_progress_check check (
      processing_progress between 0 and 1
    );
  end if;
end
$$;

-- The bar follows the status, in the same statement: a new intake (pending)
-- empties it, a completed book's is full (whatever wrote the status:
-- save_book_results or anything else).
create or replace function public.books_progress_follows_status() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.processing_status is distinct from old.processing_status then
    if new.processing_status = 'pending' then
      new.processing_stage := null;
      new.processing_progress := null;
    elsif new.processing_status = 'completed' then
      new.processing_stage := null;
      new.processing_progress := 1;
    end if;
  end if;
  return new;
end
$$;

revoke all on function public.books_progress_follows_status() from public;

drop trigger if exists books_progress_follows_status on public.books;
create trigger books_progress_follows_status
  before update of processing_status on public.books
  for each row execute function public.books_progress_follows_status();
