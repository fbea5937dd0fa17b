-- The book's layout (text length and chapters: falsafa.book.BookLayout) is
-- stored on the book, written with its results. Chat maps a reader's
-- position (a fraction or a chapter number) to an offset with it. It used to
-- be copied into every character's facts as facts->'book'; books processed
-- before this migration get it back from there.
--
-- Guarded like the first migration: applying it twice changes nothing.

alter table public.books add column if not exists layout jsonb;

update public.books b
set layout = (
  select c.facts -> 'book' from public.characters c
  where c.book_id = b.id and c.facts ? 'book'
  limit 1
)
where b.layout is null;

-- save_book_results takes the layout as a fourth argument. The three-argument
-- version goes: PostgREST must not find two candidates for one call.
drop function if exists public.save_book_results(uuid, jsonb, jsonb);

create or replace function public.save_book_results(
  p_book_id uuid,
  p_characters jsonb,
  p_passages jsonb,
  p_layout jsonb default null
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
  set processing_status = 'completed', processing_error = null, layout = p_layout
  where id = p_book_id;
end
$$;

revoke all on function public.save_book_results(uuid, jsonb, jsonb, jsonb) from public;
-- Supabase's default privileges grant every new function to anon and
-- authenticated as well: the writes are the service role's alone.
revoke all on function public.save_book_results(uuid, jsonb, jsonb, jsonb)
  from anon, authenticated;
grant execute on function public.save_book_results(uuid, jsonb, jsonb, jsonb) to service_role;
