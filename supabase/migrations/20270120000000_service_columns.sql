-- What only the backend writes on a book, and an `auth.uid()` stub that
-- behaves like Supabase's.
--
-- 1. A user (role `authenticated` or `anon`) creates their book `pending`,
--    with no error and no results, and cannot later change its status, its
--    error, its file_url or what processing wrote (stage, progress, cast,
--    layout): a frontend bug cannot mark an unprocessed book ready for chat.
--    The service role (the backend) and the database owner are not limited.
-- 2. On plain PostgreSQL (the tests), `auth.uid()` returns NULL when the
--    request carries no claims, on any connection: once a transaction has
--    set `request.jwt.claims`, the setting reads '' (not NULL) for the rest
--    of the connection, and the first migration's stub cast that '' to json.
--    A Supabase project keeps its own function (it already does this).
--
-- Guarded like the first migration: applying it twice changes nothing.

do $$
begin
  -- Supabase's own auth.uid() belongs to supabase_auth_admin: leave it be.
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    create or replace function auth.uid() returns uuid
      language sql stable
      as $f$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )::uuid
      $f$;
    comment on function auth.uid() is
      'Stand-in for Supabase''s auth.uid() (falsafa migrations, plain PostgreSQL only).';
  end if;
end
$$;

create or replace function public.books_service_columns() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if current_user not in ('authenticated', 'anon') then
    return new;
  end if;
  if tg_op = 'INSERT' then
    if new.processing_status <> 'pending'
      or new.processing_error is not null
      or new.processing_stage is not null
      or new.processing_progress is not null
      or new.cast_list is not null
      or new.layout is not null
    then
      raise exception 'a new book is pending, without an error or results'
        using errcode = '42501',
              hint = 'processing_status and the results are written by the backend';
    end if;
  elsif new.processing_status is distinct from old.processing_status
    or new.processing_error is distinct from old.processing_error
    or new.file_url is distinct from old.file_url
    or new.processing_stage is distinct from old.processing_stage
    or new.processing_progress is distinct from old.processing_progress
    or new.cast_list is distinct from old.cast_list
    or new.layout is distinct from old.layout
  then
    raise exception 'processing_status, processing_error, file_url and the results are written by the backend'
      using errcode = '42501',
            hint = 'POST /character/processing submits the book; only the service role writes these';
  end if;
  return new;
end
$$;

revoke all on function public.books_service_columns() from public;

-- Named to run before books_progress_follows_status (triggers fire in name
-- order), so a user's change is refused before anything is derived from it.
drop trigger if exists books_a_service_columns on public.books;
create trigger books_a_service_columns
  before insert or update on public.books
  for each row execute function public.books_service_columns();
