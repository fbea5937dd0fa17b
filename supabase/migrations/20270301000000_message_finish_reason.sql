-- Why the model stopped, on the assistant's saved message: 'stop', 'length'
-- (cut at max_tokens), 'content_filter' (cut by the provider's filter),
-- 'tool_calls', 'function_call' or 'other'; null for user messages, for a
-- reply that ended with [DONE] alone, and for one that failed or was
-- interrupted. The service maps what a server sends onto this fixed set.
--
-- Guarded like the first migration: applying it twice changes nothing.

alter table public.messages add column if not exists finish_reason text;

-- save_chat_exchange keeps the reading offset (seventh argument, from
-- 20270112000000_message_position.sql) and takes the finish reason as an
-- eighth. The seven-argument version goes: PostgREST must not find two
-- candidates for one call. (Re-applying every migration re-creates it in
-- 20270112000000 for a moment; this file drops it again.)
drop function if exists public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer);

create or replace function public.save_chat_exchange(
  p_session_id uuid,
  p_user_message_id uuid,
  p_assistant_message_id uuid,
  p_user_message text,
  p_reply text,
  p_status text,
  p_reading_offset integer default null,
  p_finish_reason text default null
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
    id, session_id, role, content, status, created_at, reading_offset, finish_reason
  )
  values
    (p_user_message_id, p_session_id, 'user', p_user_message, 'complete', v_now,
     p_reading_offset, null),
    -- a microsecond later, so the reply always sorts after its question
    (p_assistant_message_id, p_session_id, 'assistant', p_reply, p_status,
     v_now + interval '1 microsecond', p_reading_offset, p_finish_reason)
  on conflict (id) do update set
    content = excluded.content,
    status = excluded.status,
    finish_reason = excluded.finish_reason;
end
$$;

revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer, text)
  from public;
-- Supabase's default privileges grant every new function to anon and
-- authenticated as well: the writes are the service role's alone.
revoke all on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer, text)
  from anon, authenticated;
grant execute on function public.save_chat_exchange(uuid, uuid, uuid, text, text, text, integer, text)
  to service_role;
