-- The runner's lookups of a session's unfinished turns (the next to claim, whether one waits) go through this small
-- index whatever the session's age. The one it replaces left out turns waiting for approvals, so the claim, which looks
-- for those too, scanned every turn the session ever had.
drop index runtime.turns_unfinished;
create index turns_unfinished on runtime.turns (session_id, created_at, id)
    where status in ('pending', 'running', 'waiting');
