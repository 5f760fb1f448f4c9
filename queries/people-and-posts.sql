-- Every person named, with their post and organization as the source states it.
SELECT a.name, array_to_string(a.aliases, '; ') AS aliases, a.country, m.role, o.name AS organization
FROM actors a
LEFT JOIN memberships m ON m.member_actor_id = a.actor_id AND m.relation = 'post'
LEFT JOIN organizations o ON o.organization_id = m.organization_id
ORDER BY a.name;
