-- Falsafa: books, characters, chat sessions, messages, passages.
--
-- Written for Supabase and applied unchanged to a vanilla PostgreSQL (>= 13)
-- by the tests: the Supabase roles, the `auth` schema and `auth.uid()` are
-- created only where they do not exist already.
--
-- The backend talks to these tables with the service role (which bypasses
-- row-level security); the policies below are for the frontend's users.

-- ---------------------------------------------------------------------------
-- Supabase scaffolding, for plain PostgreSQL only
-- ---------------------------------------------------------------------------

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

create schema if not exists auth;

do $$
begin
  if to_regprocedure('auth.uid()') is null then
    -- The same definition as Supabase's: the JWT subject PostgREST puts in
    -- the request settings.
    create function auth.uid() returns uuid
      language sql stable
      as $f$
        select nullif(
          coalesce(
            current_setting('request.jwt.claim.sub', true),
            current_setting('request.jwt.claims', true)::jsonb ->> 'sub'
          ),
          ''
        )::uuid
      $f$;
  end if;
end
$$;

grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------

create table if not exists public.books (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  title text not null default '',
  file_url text not null default '',
  processing_status text not null default 'pending'
    check (processing_status in ('pending', 'processing', 'completed', 'failed')),
  processing_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists books_user_id_idx on public.books (user_id);

create table if not exists public.characters (
  id uuid primary key,
  book_id uuid not null references public.books (id) on delete cascade,
  name text not null,
  aliases text[] not null default '{}',
  description text not null default '',
  persona_prompt text not null default '',
  gender text,
  pronouns text,
  mention_count integer not null default 0,
  rank integer not null default 0,
  -- quotes (with offset and chapter), relations, descriptors: the facts the
  -- persona was written from, so chat can filter them by reading position
  facts jsonb not null default '{}'::jsonb,
  unique (id, book_id)
);
create index if not exists characters_book_rank_idx on public.characters (book_id, rank);

create table if not exists public.chat_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  book_id uuid not null references public.books (id) on delete cascade,
  character_id uuid not null,
  created_at timestamptz not null default now(),
  -- the character must be one of the session's book
  foreign key (character_id, book_id)
    references public.characters (id, book_id) on delete cascade
);
create index if not exists chat_sessions_user_idx on public.chat_sessions (user_id);
create index if not exists chat_sessions_character_idx
  on public.chat_sessions (character_id, book_id);
create index if not exists chat_sessions_book_idx on public.chat_sessions (book_id);

create table if not exists public.messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  content text not null,
  status text not null default 'complete'
    check (status in ('complete', 'interrupted', 'failed')),
  created_at timestamptz not null default now()
);
create index if not exists messages_session_created_idx
  on public.messages (session_id, created_at);

create table if not exists public.book_passages (
  book_id uuid not null references public.books (id) on delete cascade,
  ordinal integer not null,
  chapter integer not null,
  chapter_title text not null default '',
  start_offset integer not null,
  end_offset integer not null,
  text text not null,
  tsv tsvector generated always as (to_tsvector('english', text)) stored,
  primary key (book_id, ordinal)
);
create index if not exists book_passages_tsv_idx on public.book_passages using gin (tsv);

create or replace function public.set_updated_at() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.updated_at := now();
  return new;
end
$$;

drop trigger if exists books_set_updated_at on public.books;
create trigger books_set_updated_at
  before update on public.books
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------
-- Row-level security: a signed-in user sees their own books and everything
-- derived from them; only the service role (the backend) writes results.
-- ---------------------------------------------------------------------------

alter table public.books enable row level security;
alter table public.characters enable row level security;
alter table public.chat_sessions enable row level security;
alter table public.messages enable row level security;
alter table public.book_passages enable row level security;

drop policy if exists books_owner on public.books;
create policy books_owner on public.books
  for all to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

drop policy if exists characters_of_own_books on public.characters;
create policy characters_of_own_books on public.characters
  for select to authenticated
  using (exists (
    select 1 from public.books b where b.id = book_id and b.user_id = (select auth.uid())
  ));

drop policy if exists passages_of_own_books on public.book_passages;
create policy passages_of_own_books on public.book_passages
  for select to authenticated
  using (exists (
    select 1 from public.books b where b.id = book_id and b.user_id = (select auth.uid())
  ));

drop policy if exists sessions_owner on public.chat_sessions;
create policy sessions_owner on public.chat_sessions
  for all to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and exists (
      select 1 from public.books b where b.id = book_id and b.user_id = (select auth.uid())
    )
  );

drop policy if exists messages_of_own_sessions on public.messages;
create policy messages_of_own_sessions on public.messages
  for select to authenticated
  using (exists (
    select 1 from public.chat_sessions s
    where s.id = session_id and s.user_id = (select auth.uid())
  ));

grant select, insert, update, delete on all tables in schema public to authenticated;
grant select, insert, update, delete on all tables in schema public to service_role;

-- ---------------------------------------------------------------------------
-- Functions called through PostgREST's /rpc
-- ---------------------------------------------------------------------------

-- The top passages of a book for free text, best first. The query's words
-- are ORed (a reader's question rarely repeats every word of a passage) and
-- ranked by ts_rank, so passages holding more of them come first. With
-- p_before_offset, only passages that end at or before it: chat must not
-- quote what the reader has not reached. Any text is safe: the words are
-- taken from to_tsvector's lexemes and re-quoted, never parsed as syntax.
create or replace function public.search_book_passages(
  p_book_id uuid,
  p_query text,
  p_limit integer,
  p_before_offset integer default null
)
returns table (
  book_id uuid,
  ordinal integer,
  chapter integer,
  chapter_title text,
  start_offset integer,
  end_offset integer,
  text text,
  rank real
)
language sql
stable
set search_path = ''
as $$
  with terms as (
    select t.lexeme
    from unnest(to_tsvector('english', left(coalesce(p_query, ''), 20000))) as t
    limit 32
  ),
  q as (
    select websearch_to_tsquery(
             'simple',
             string_agg('"' || replace(terms.lexeme, '"', ' ') || '"', ' or ')
           ) as query
    from terms
  )
  select p.book_id, p.ordinal, p.chapter, p.chapter_title, p.start_offset, p.end_offset,
         p.text, ts_rank(p.tsv, q.query) as rank
  from public.book_passages p, q
  where p.book_id = p_book_id
    and q.query is not null
    and p.tsv @@ q.query
    and (p_before_offset is null or p.end_offset <= p_before_offset)
  order by rank desc, p.ordinal
  limit greatest(coalesce(p_limit, 5), 0)
$$;

-- Replace a book's characters and passages and mark it completed, all or
-- nothing (PostgREST runs the call in one transaction). Idempotent:
-- characters are upserted by their stable ids, so chat sessions held with
-- them survive re-processing; characters no longer found are removed.
create or replace function public.save_book_results(
  p_book_id uuid,
  p_characters jsonb,
  p_passages jsonb
)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- the row lock also serialises two workers finishing the same book
  perform 1 from public.books where id = p_book_id for update;
  if not found then
    -- PostgREST answers a 'PTxxx' SQLSTATE with HTTP status xxx
    raise sqlstate 'PT404' using message = format('book %s not found', p_book_id);
  end if;

  insert into public.characters as c (
    id, book_id, name, aliases, description, persona_prompt, gender, pronouns,
    mention_count, rank, facts
  )
  select r.id, p_book_id, r.name, coalesce(r.aliases, '{}'), coalesce(r.description, ''),
         coalesce(r.persona_prompt, ''), r.gender, r.pronouns,
         coalesce(r.mention_count, 0), coalesce(r.rank, 0), coalesce(r.facts, '{}'::jsonb)
  from jsonb_to_recordset(coalesce(p_characters, '[]'::jsonb)) as r (
    id uuid, name text, aliases text[], description text, persona_prompt text,
    gender text, pronouns text, mention_count integer, rank integer, facts jsonb
  )
  on conflict (id) do update set
    book_id = excluded.book_id, name = excluded.name, aliases = excluded.aliases,
    description = excluded.description, persona_prompt = excluded.persona_prompt,
    gender = excluded.gender, pronouns = excluded.pronouns,
    mention_count = excluded.mention_count, rank = excluded.rank, facts = excluded.facts;

  delete from public.characters c
  where c.book_id = p_book_id
    and c.id not in (
      select (e ->> 'id')::uuid from jsonb_array_elements(coalesce(p_characters, '[]'::jsonb)) e
    );

  -- (an upsert would quietly keep one of two passages sharing an ordinal)
  if exists (
    select 1 from jsonb_array_elements(coalesce(p_passages, '[]'::jsonb)) e
    group by e ->> 'ordinal' having count(*) > 1
  ) then
    raise sqlstate '23505' using message = 'two passages share an ordinal',
      constraint = 'book_passages_pkey';
  end if;

  -- Upserted, and rewritten only where they changed: re-running a job on
  -- the same book then costs no to_tsvector or GIN work (that is most of the
  -- time of a first save: about 2 s for War and Peace).
  insert into public.book_passages as bp (
    book_id, ordinal, chapter, chapter_title, start_offset, end_offset, text
  )
  select p_book_id, r.ordinal, r.chapter, coalesce(r.chapter_title, ''),
         r.start_offset, r.end_offset, r.text
  from jsonb_to_recordset(coalesce(p_passages, '[]'::jsonb)) as r (
    ordinal integer, chapter integer, chapter_title text,
    start_offset integer, end_offset integer, text text
  )
  on conflict (book_id, ordinal) do update set
    chapter = excluded.chapter, chapter_title = excluded.chapter_title,
    start_offset = excluded.start_offset, end_offset = excluded.end_offset,
    text = excluded.text
  where (bp.chapter, bp.chapter_title, bp.start_offset, bp.end_offset, bp.text)
    is distinct from
    (excluded.chapter, excluded.chapter_title, excluded.start_offset, excluded.end_offset,
     excluded.text);

  delete from public.book_passages bp
  where bp.book_id = p_book_id
    and bp.ordinal not in (
      select (e ->> 'ordinal')::integer
      from jsonb_array_elements(coalesce(p_passages, '[]'::jsonb)) e
    );

  update public.books
  set processing_status = 'completed', processing_error = null
  where id = p_book_id;
end
$$;

-- Save one chat exchange: the user's message and the reply, both or neither.
-- Ids are derived from the conversation, so a retried request updates the
-- same two rows (the reply's content and status take the latest values;
-- created_at stays, so the history keeps its order).
create or replace function public.save_chat_exchange(
  p_session_id uuid,
  p_user_message_id uuid,
  p_assistant_message_id uuid,
  p_user_message text,
  p_reply text,
  p_status text
)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
begin
  perform 1 from public.chat_sessions where id = p_session_id;
  if not found then
    raise sqlstate 'PT404' using message = format('chat session %s not found', p_session_id);
  end if;

  insert into public.messages as m (id, session_id, role, content, status, created_at)
  values
    (p_user_message_id, p_session_id, 'user', p_user_message, 'complete', v_now),
    -- a microsecond later, so the reply always sorts after its question
    (p_assistant_message_id, p_session_id, 'assistant', p_reply, p_status,
     v_now + interval '1 microsecond')
  on conflict (id) do update set content = excluded.content, status = excluded.status;
end
$$;

revoke all on function public.search_book_passages(uuid, text, integer, integer) from public;
revoke all on function public.save_book_results(uuid, jsonb, jsonb) from public;
revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text) from public;
revoke all on function public.set_updated_at() from public;
-- Supabase's default privileges grant every new function to anon and
-- authenticated as well: the writes are the service role's alone.
revoke all on function public.save_book_results(uuid, jsonb, jsonb) from anon, authenticated;
revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text)
  from anon, authenticated;
revoke all on function public.search_book_passages(uuid, text, integer, integer) from anon;

grant execute on function public.search_book_passages(uuid, text, integer, integer)
  to authenticated, service_role;
grant execute on function public.save_book_results(uuid, jsonb, jsonb) to service_role;
grant execute on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text)
  to service_role;
