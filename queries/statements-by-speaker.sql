-- How many statements each speaker made, by act, explicit and implied attribution apart.
SELECT speaker, speaker_kind, attribution, act, count(*) AS statements
FROM statements_named
GROUP BY ALL
ORDER BY statements DESC, speaker, act;
