-- A session against :memory:, fed on stdin; the test compares what the port
-- prints with what Debian's own sqlite3 prints, byte for byte.
.headers on
.mode list
CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INTEGER);
CREATE TABLE book(id INTEGER PRIMARY KEY, author INTEGER REFERENCES author(id), title TEXT,
                  year INTEGER, pages INTEGER, price REAL);
INSERT INTO author(name, born) VALUES ('Ursula K. Le Guin', 1929), ('Stanisław Lem', 1921),
    ('Italo Calvino', 1923), ('Nobody', NULL);
INSERT INTO book(author, title, year, pages, price) VALUES
    (1, 'The Dispossessed', 1974, 387, 9.99), (1, 'The Left Hand of Darkness', 1969, 304, 8.5),
    (1, 'The Lathe of Heaven', 1971, 184, 7.25), (2, 'Solaris', 1961, 204, 11.0),
    (2, 'The Cyberiad', 1965, 295, 12.75), (3, 'Invisible Cities', 1972, 165, 10.4),
    (3, 'If on a winter''s night a traveler', 1979, 260, 13.1);
-- joins and aggregates
SELECT a.name, count(b.id) AS books, sum(b.pages) AS pages, round(avg(b.price), 3) AS avg_price,
       min(b.year) AS first, max(b.year) AS last
  FROM author a LEFT JOIN book b ON b.author = a.id GROUP BY a.id ORDER BY books DESC, a.name;
SELECT b.title, a.name FROM book b JOIN author a ON a.id = b.author
 WHERE b.year BETWEEN 1965 AND 1975 ORDER BY b.year;
SELECT group_concat(title, ' | ') FROM (SELECT title FROM book ORDER BY title);
SELECT year / 10 * 10 AS decade, count(*) AS n, total(price) AS spent FROM book GROUP BY decade HAVING n > 1;
-- printf and friends
SELECT printf('%-28s|%6.2f|%5d|%x|%e', title, price, pages, pages, price * 1000) FROM book ORDER BY id;
SELECT printf('%q / %Q / %w', 'it''s', NULL, 'a"b'), printf('%.3s|%10.4f|%+d|%05d', 'abcdef', pi(), 42, 7);
SELECT upper(name), length(name), substr(name, 2, 5), replace(name, ' ', '_'), hex(name) FROM author ORDER BY id;
SELECT typeof(1), typeof(1.5), typeof('x'), typeof(x'00ff'), typeof(NULL), 7 / 2, 7 / 2.0, 7 % 3, -7 % 3;
SELECT 1e308 * 10, -1e308 * 10, 0.1 + 0.2, 1.0 / 3, 9223372036854775807 + 1, abs(-9223372036854775807 - 1 + 1);
SELECT sqrt(2), exp(1), ln(10), pow(2, 0.5), floor(-2.5), ceil(-2.5), round(2.5), round(-2.5), round(1234.5678, -2);
-- json
SELECT json_object('title', title, 'year', year, 'tags', json_array('sf', pages > 250)) FROM book WHERE author = 1;
SELECT json_group_array(json_object('name', name, 'born', born)) FROM author;
SELECT key, value, type FROM json_each('{"a":1,"b":[2,3],"c":{"d":null},"e":"x","f":1.5,"g":true}');
SELECT json_extract('{"a":{"b":[10,20,30]}}', '$.a.b[1]'), '{"a":[1,2]}' -> '$.a', '{"a":[1,2]}' ->> '$.a[0]';
SELECT json_set('{"a":1}', '$.b', 2, '$.a', 'one'), json_remove('[1,2,3]', '$[1]'), json_valid('{x'), json('[ 1 , 2 ]');
-- common table expressions, recursive too
WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 40)
SELECT n, a FROM fib WHERE n % 8 = 0;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 1000)
SELECT count(*), sum(x), sum(x * x), avg(x) FROM cnt;
WITH per_author AS (SELECT author, count(*) AS n FROM book GROUP BY author)
SELECT a.name, p.n FROM per_author p JOIN author a ON a.id = p.author WHERE p.n = (SELECT max(n) FROM per_author);
-- window functions, update, delete, a transaction
SELECT title, year, rank() OVER (PARTITION BY author ORDER BY year) AS r,
       sum(pages) OVER (ORDER BY year ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS run FROM book ORDER BY year;
BEGIN;
UPDATE book SET price = price * 1.1 WHERE year < 1970;
DELETE FROM author WHERE born IS NULL;
COMMIT;
SELECT changes(), total_changes(), count(*) FROM author;
SELECT title, price FROM book WHERE year < 1970 ORDER BY price;
CREATE INDEX book_year ON book(year);
EXPLAIN QUERY PLAN SELECT title FROM book WHERE year > 1970;
-- other output modes
.mode csv
SELECT id, title, price FROM book WHERE id <= 3;
.mode column
SELECT id, name, born FROM author;
.mode box
SELECT id, substr(title, 1, 12) AS t FROM book WHERE id > 4;
.mode json
SELECT id, name FROM author WHERE id < 3;
.mode line
SELECT count(*) AS books, max(pages) AS longest FROM book;
.mode quote
SELECT 'a''b', NULL, 1.25, x'cafe';
