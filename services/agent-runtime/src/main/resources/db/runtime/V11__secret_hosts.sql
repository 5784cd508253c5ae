-- A secret is sent only to the hosts it names (exact names, or *.domain for its subdomains). A secret stored before
-- this gets the hosts of the HTTP tools and MCP servers that already send it, so nothing that worked stops working.
alter table runtime.secrets add column hosts text[] not null default '{}';

update runtime.secrets s set hosts = coalesce((
    select array_agg(distinct lower(coalesce(substring(u.url from '://(?:[^@/]*@)?\[([^]]+)\]'),
                                             substring(u.url from '://(?:[^@/]*@)?([^/:?#]+)'))))
    from (select org_id, url, headers from runtime.http_tools
          union all select org_id, url, headers from runtime.mcp_servers) u
    where u.org_id = s.org_id and position('{{secret:' || s.name || '}}' in u.headers) > 0), '{}');

alter table runtime.secrets alter column hosts drop default;
