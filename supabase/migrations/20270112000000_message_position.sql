-- Where the reader was when a message was written (a book offset; null: no
-- position given, which counts as the whole book). Chat leaves a session's
-- messages written further on out of the history it sends at an earlier
-- position, so a reply that quoted chapter 31 never reaches the model of a
-- reader back in chapter 5.
--
-- Guarded like the first migration: applying it twice changes nothing.

alter table public.messages add column if not exists reading_offset integer;

-- save_chat_exchange takes the offset as a seventh argument. The six-argument
-- version goes: PostgREST must not find two candidates for one call.
drop function if exists public.save_chat_exchange(uuid, uuid, uuid, text, text, text);

create or replace function public.save_chat_exchange(
  p_session_id uuid,
  p_user_message_id uuid,
  p_assistant_message_id uuid,
  p_user_message text,
  p_reply text,
  p_status text,
  p_reading_offset integer default null
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

  insert into public.messages as m (
    id, session_id, role, content, status, created_at, reading_offset
  )
  values
    (p_user_message_id, p_session_id, 'user', p_user_message, 'complete', v_now,
     p_reading_offset),
    -- a microsecond later, so the reply always sorts after its question
    (p_assistant_message_id, p_session_id, 'assistant', p_reply, p_status,
     v_now + interval '1 microsecond', p_reading_offset)
  on conflict (id) do update set content = excluded.content, status = excluded.status;
end
$$;

revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer)
  from public;
-- Supabase's default privileges grant every new function to anon and
-- authenticated as well: the writes are the service role's alone.
revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer)
  from anon, authenticated;
grant execute on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer)
  to service_role;
