-- Nothing reads calls by session or by agent alone (the usage views group them within an organization's time range,
-- through llm_calls_org_started_at), and every call's opening and settling wrote both indexes: about a third of the
-- ledger's database CPU per call with sessions (35 -> 22 us, batches of 20).
drop index gateway.llm_calls_session;
drop index gateway.llm_calls_agent;
