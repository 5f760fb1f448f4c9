-- Views over the typed tables: names instead of ids, for people reading query results.

-- Every person's and organization's display name, keyed by id and kind.
CREATE VIEW entity_names AS
SELECT 'actor' AS kind, actor_id AS id, name FROM actors
UNION ALL
SELECT 'organization' AS kind, organization_id AS id, name FROM organizations;

-- Statements with speaker, subject and source names resolved.
CREATE VIEW statements_named AS
SELECT
    s.statement_id,
    src.published AS reported_on,
    coalesce(sa.name, so.name) AS speaker,
    CASE WHEN s.speaker_actor_id IS NOT NULL THEN 'person' ELSE 'organization' END AS speaker_kind,
    s.attribution,
    s.act,
    s.summary,
    aa.name AS about_person,
    ao.name AS about_organization,
    c.treaty_number AS about_treaty_number,
    c.title AS about_convention,
    s.date,
    s.quantity,
    s.unit,
    s.evidence,
    s.locator,
    s.source_id
FROM statements s
JOIN sources src ON src.source_id = s.source_id
LEFT JOIN actors sa ON sa.actor_id = s.speaker_actor_id
LEFT JOIN organizations so ON so.organization_id = s.speaker_organization_id
LEFT JOIN actors aa ON aa.actor_id = s.about_actor_id
LEFT JOIN organizations ao ON ao.organization_id = s.about_organization_id
LEFT JOIN conventions c ON c.convention_id = s.about_convention_id;

-- Which statements concern which convention: directly (about_convention_id) or through a
-- relation they claim (memberships.statement_id).
CREATE VIEW statement_conventions AS
SELECT statement_id, about_convention_id AS convention_id, 'about' AS via
FROM statements WHERE about_convention_id IS NOT NULL
UNION
SELECT statement_id, convention_id, 'claims relation' AS via
FROM memberships WHERE statement_id IS NOT NULL AND convention_id IS NOT NULL;

-- Memberships with member and target names resolved.
CREATE VIEW memberships_named AS
SELECT
    m.membership_id,
    coalesce(ma.name, mo.name) AS member,
    CASE WHEN m.member_actor_id IS NOT NULL THEN 'person' ELSE 'organization' END AS member_kind,
    m.relation,
    m.role,
    m.status,
    m.as_of,
    coalesce(o.name, c.title) AS target,
    CASE WHEN m.convention_id IS NOT NULL THEN 'convention' ELSE 'organization' END AS target_kind,
    c.treaty_number,
    m.start_date,
    m.end_date,
    m.statement_id,
    m.evidence,
    m.locator,
    m.source_id
FROM memberships m
LEFT JOIN actors ma ON ma.actor_id = m.member_actor_id
LEFT JOIN organizations mo ON mo.organization_id = m.member_organization_id
LEFT JOIN organizations o ON o.organization_id = m.organization_id
LEFT JOIN conventions c ON c.convention_id = m.convention_id;

-- The organization hierarchy: each organization with its depth and path from the root.
CREATE VIEW organization_tree AS
WITH RECURSIVE tree(organization_id, name, classification, parent_id, depth, path) AS (
    SELECT organization_id, name, classification, parent_id, 0, name
    FROM organizations WHERE parent_id IS NULL
    UNION ALL
    SELECT o.organization_id, o.name, o.classification, o.parent_id, t.depth + 1, t.path || ' > ' || o.name
    FROM organizations o JOIN tree t ON o.parent_id = t.organization_id
)
SELECT * FROM tree;

-- The newest known state of each relation: of the rows that state the same relation (same member,
-- target, relation and role), the one with the latest as_of date; rows of undated sources count
-- as older than any dated one. Where two sources state the same relation on the same day, both stay.
CREATE VIEW memberships_latest AS
SELECT * EXCLUDE (newest)
FROM (
    SELECT m.*,
           rank() OVER (PARTITION BY coalesce(m.member_actor_id, m.member_organization_id),
                                     coalesce(m.organization_id, m.convention_id), m.relation, coalesce(m.role, '')
                        ORDER BY m.as_of DESC NULLS LAST) AS newest
    FROM memberships m
)
WHERE newest = 1;

-- Every source that names an entity, with the name as written there and the entity's own name.
CREATE VIEW mentions_named AS
SELECT
    m.mention_id,
    CASE WHEN m.actor_id IS NOT NULL THEN 'person' WHEN m.organization_id IS NOT NULL THEN 'organization' ELSE 'convention' END AS entity_kind,
    coalesce(m.actor_id, m.organization_id, m.convention_id) AS entity_id,
    coalesce(a.name, o.name, c.title) AS entity_name,
    m.name_as_written,
    s.title AS source_title,
    s.kind AS source_kind,
    s.published AS source_published,
    m.locator,
    m.source_id
FROM mentions m
JOIN sources s ON s.source_id = m.source_id
LEFT JOIN actors a ON a.actor_id = m.actor_id
LEFT JOIN organizations o ON o.organization_id = m.organization_id
LEFT JOIN conventions c ON c.convention_id = m.convention_id;
