-- one operator's view of what is due
SELECT count(*) FROM (SELECT * FROM followup.due_tasks WHERE assignee = 'ana' ORDER BY urgent DESC, due_at LIMIT 50) t;
