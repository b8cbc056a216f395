--
-- followup.render(template, vars): {{field}} and {{field|default}}.
--
SELECT followup.render('Hi {{name}}, {{product}} is in stock.', '{"name": "Nino", "product": "Galaxy A55"}');
SELECT followup.render('Hi {{name|there}}!', '{}');
SELECT followup.render('Hi {{ name | there }}!', '{"name": "Giorgi"}');
SELECT followup.render('{{name|}}.', '{}');
-- numbers, booleans and nested fields; a JSON null counts as missing
SELECT followup.render('{{price}} GEL, in stock: {{in_stock}}, {{shop.city}}',
                       '{"price": 1299.90, "in_stock": true, "shop": {"city": "Batumi"}}');
SELECT followup.render('Hi {{name|there}}', '{"name": null}');
SELECT followup.render('{{tags}}', '{"tags": ["a", "b"]}');
-- text without fields, unicode, lone braces
SELECT followup.render('გამარჯობა {{name}} { } }}', '{"name": "ნინო"}');
SELECT followup.render('', '{}');
SELECT followup.render(NULL, '{}') IS NULL AS null_template;
SELECT followup.render('plain', NULL);

-- errors name the field or the token, with its position
SELECT followup.render('Hi {{name}}, see {{product}}', '{"name": "Nino"}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.render('Hi {{name', '{}');
SELECT followup.render('Hi {{}}', '{}');
SELECT followup.render('Hi {{1abc}}', '{}');
SELECT followup.render('Hi {{name}}', '[1, 2]');

-- templates are checked when steps are written
INSERT INTO followup.step (tenant_id, state, step_no, purpose, action_code, template)
VALUES (111, 'warm', 1, 'advance', 'broken', 'Hi {{name');
SELECT count(*) FROM followup.step WHERE tenant_id = 111;
