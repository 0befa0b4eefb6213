-- askdb demo data set: deterministic generation of the retail database created by
-- demo/schema.sql. Plain SQL only (no psql meta-commands): askdb sends this whole file
-- with one PQexec, so it runs as one (implicit) transaction.
--
-- Determinism: every random() draw comes from generate_series or from a subquery with an
-- ORDER BY on a unique key, is stored in a temporary table first, and everything else is
-- derived from those stored draws without further randomness. Parallel query and
-- synchronized sequential scans are switched off so that scan order never varies.
-- Two runs on an empty schema produce identical rows.

-- SET LOCAL: the settings end with the transaction that runs this file.
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL synchronize_seqscans = off;
SET LOCAL jit = off;
SET LOCAL work_mem = '64MB';

-- Bulk load: checking foreign keys row by row and growing a dozen indexes row by row
-- would cost most of the run time. So the foreign-key constraints and the plain
-- (non-constraint) indexes of the demo tables are taken off here and put back exactly as
-- schema.sql declared them (pg_get_constraintdef / pg_get_indexdef) at the end of this
-- file: PostgreSQL then builds each index in one sort and validates every foreign key in
-- one pass. Needs only ownership of the tables.
CREATE TEMP TABLE tmp_ddl AS
SELECT 'fk' AS kind, t.relname::text AS tbl, c.conname::text AS name, pg_get_constraintdef(c.oid) AS def
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'index', t.relname::text, i.relname::text, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid);
DELETE FROM tmp_ddl
WHERE tbl NOT IN ('regions', 'categories', 'suppliers', 'products', 'stores', 'employees', 'customers',
                  'marketing_campaigns', 'orders', 'order_items', 'payments', 'shipments', 'returns',
                  'product_reviews');

DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT kind, tbl, name FROM tmp_ddl ORDER BY kind, tbl, name LOOP
        IF d.kind = 'fk' THEN
            EXECUTE format('ALTER TABLE public.%I DROP CONSTRAINT %I', d.tbl, d.name);
        ELSE
            EXECUTE format('DROP INDEX public.%I', d.name);
        END IF;
    END LOOP;
END
$$;
SELECT setseed(0.42);

-- ---------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------

INSERT INTO regions (region_id, region_name, region_code) VALUES
    (1, 'North America', 'NA'),
    (2, 'Latin America', 'LATAM'),
    (3, 'Europe',        'EU'),
    (4, 'Asia Pacific',  'APAC');

-- First and last names by region (12 each): region_id x index.
CREATE TEMP TABLE tmp_names AS
SELECT ARRAY[
    ['James','Mary','Michael','Jennifer','David','Emily','Daniel','Sarah','Chloé','Étienne','Olivia','Noah'],
    ['João','Maria','José','Ana','Luis','Camila','Sebastián','Valentina','Mateo','Lucía','Gabriel','Fernanda'],
    ['Łukasz','Anna','Thomas','Sophie','Lukas','Emma','Pierre','Zoë','Jürgen','Inès','Björn','Małgorzata'],
    ['Hiroshi','Yuki','Wei','Mei','Min-jun','Ji-woo','Jack','Charlotte','Aarav','Priya','Kenji','Sakura']] AS fn,
       ARRAY[
    ['Smith','Johnson','Williams','Brown','Jones','Miller','Davis','Tremblay','Gagnon','Côté','Wilson','Taylor'],
    ['Silva','Santos','Oliveira','González','Rodríguez','Pérez','Gómez','Martínez','Souza','López','Hernández','Núñez'],
    ['Müller','Schmidt','Dubois','Martin','Kowalski','Nowak','García','Fernández','Andersson','Rossi','Wójcik','Lefèvre'],
    ['Sato','Suzuki','Tanaka','Wang','Li','Chen','Kim','Lee','Park','Nguyen','Walker','Tan']] AS ln;

-- Cities customers live in, with relative population weights.
CREATE TEMP TABLE tmp_cities (city_idx int PRIMARY KEY, city text, country text, region_id int, weight float8);
INSERT INTO tmp_cities VALUES
    ( 1, 'New York',         'United States',  1, 10), ( 2, 'Los Angeles',  'United States', 1, 8),
    ( 3, 'Chicago',          'United States',  1,  6), ( 4, 'Austin',       'United States', 1, 3),
    ( 5, 'Toronto',          'Canada',         1,  6), ( 6, 'Montréal',     'Canada',        1, 5),
    ( 7, 'Québec',           'Canada',         1,  2), ( 8, 'São Paulo',    'Brazil',        2, 9),
    ( 9, 'Rio de Janeiro',   'Brazil',         2,  5), (10, 'Curitiba',     'Brazil',        2, 2),
    (11, 'Ciudad de México', 'Mexico',         2,  7), (12, 'Bogotá',       'Colombia',      2, 4),
    (13, 'Medellín',         'Colombia',       2,  2), (14, 'Buenos Aires', 'Argentina',     2, 5),
    (15, 'London',           'United Kingdom', 3,  8), (16, 'Paris',        'France',        3, 7),
    (17, 'München',          'Germany',        3,  4), (18, 'Köln',         'Germany',       3, 2),
    (19, 'Zürich',           'Switzerland',    3,  3), (20, 'Genève',       'Switzerland',   3, 2),
    (21, 'Kraków',           'Poland',         3,  3), (22, 'Łódź',         'Poland',        3, 1),
    (23, 'Barcelona',        'Spain',          3,  4), (24, 'Málaga',       'Spain',         3, 2),
    (25, 'Göteborg',         'Sweden',         3,  2), (26, 'Lisboa',       'Portugal',      3, 3),
    (27, 'Reykjavík',        'Iceland',        3,  1), (28, 'Tokyo',        'Japan',         4, 8),
    (29, 'Osaka',            'Japan',          4,  3), (30, 'Sydney',       'Australia',     4, 5),
    (31, 'Auckland',         'New Zealand',    4,  2), (32, 'Singapore',    'Singapore',     4, 5),
    (33, 'Seoul',            'South Korea',    4,  5);

INSERT INTO categories (category_id, category_name, parent_category_id, description) VALUES
    (1, 'Electronics',            NULL, 'Phones, computers, audio, smart home devices and cameras.'),
    (2, 'Home & Kitchen',         NULL, 'Cookware, furniture, bedding and small kitchen appliances.'),
    (3, 'Apparel',                NULL, 'Clothing, shoes and fashion accessories.'),
    (4, 'Sports & Outdoors',      NULL, 'Fitness equipment, camping gear and cycling.'),
    (5, 'Beauty & Personal Care', NULL, 'Skincare, fragrance and haircare.'),
    (6, 'Toys & Games',           NULL, 'Board games, building sets and puzzles.'),
    (7, 'Books',                  NULL, 'Printed books for adults and children.');

-- Sub-categories with the generator's parameters.
CREATE TEMP TABLE tmp_subcat (category_id int PRIMARY KEY, category_name text, parent int, description text,
                              nouns text[], price_lo float8, price_hi float8, cost_ratio float8, n int, return_p float8);
INSERT INTO tmp_subcat VALUES
    ( 8, 'Smartphones',       1, 'Unlocked smartphones.',                          '{Smartphone,Foldable Phone}', 199, 1299, 0.78, 20, 0.05),
    ( 9, 'Laptops',           1, 'Laptops, ultrabooks and notebooks.',             '{Laptop,Ultrabook,Notebook}', 499, 2499, 0.80, 25, 0.05),
    (10, 'Headphones',        1, 'Headphones, earbuds and headsets.',              '{Wireless Headphones,Earbuds,Noise-Cancelling Headphones,Gaming Headset}', 29, 399, 0.55, 40, 0.06),
    (11, 'Smart Home',        1, 'Connected home devices.',                        '{Smart Speaker,Smart Plug,Video Doorbell,Smart Thermostat,Security Camera}', 19, 249, 0.60, 35, 0.05),
    (12, 'Cameras',           1, 'Cameras and lenses.',                            '{Mirrorless Camera,Action Camera,Instant Camera,Camera Lens}', 99, 1999, 0.75, 20, 0.05),
    (13, 'Cookware',          2, 'Pots, pans, knives and kitchen tools.',          '{Frying Pan,Saucepan,Dutch Oven,Cookware Set,Chef''s Knife,Cutting Board}', 15, 299, 0.45, 45, 0.04),
    (14, 'Furniture',         2, 'Home and office furniture and lighting.',        '{Desk Chair,Bookshelf,Coffee Table,Standing Desk,Floor Lamp}', 49, 899, 0.55, 30, 0.06),
    (15, 'Bedding',           2, 'Bed linen, pillows and blankets.',               '{Duvet Cover,Pillow,Sheet Set,Weighted Blanket,Mattress Topper}', 19, 249, 0.40, 40, 0.05),
    (16, 'Small Appliances',  2, 'Countertop kitchen appliances.',                 '{Espresso Machine,Blender,Air Fryer,Toaster,Electric Kettle,Stand Mixer}', 25, 699, 0.60, 35, 0.05),
    (17, 'Men''s Clothing',   3, 'Clothing for men.',                              '{T-Shirt,Oxford Shirt,Chinos,Hoodie,Wool Sweater,Rain Jacket}', 15, 199, 0.40, 60, 0.13),
    (18, 'Women''s Clothing', 3, 'Clothing for women.',                            '{Blouse,Summer Dress,Jeans,Cardigan,Trench Coat,Leggings}', 15, 249, 0.40, 70, 0.15),
    (19, 'Shoes',             3, 'Shoes, boots and sandals.',                      '{Running Shoes,Sneakers,Leather Boots,Sandals,Loafers}', 35, 229, 0.45, 50, 0.14),
    (20, 'Accessories',       3, 'Bags, belts, sunglasses, scarves and watches.', '{Backpack,Leather Belt,Sunglasses,Scarf,Wallet,Watch}', 12, 349, 0.35, 45, 0.06),
    (21, 'Fitness',           4, 'Home fitness equipment and trackers.',          '{Yoga Mat,Dumbbell Set,Resistance Bands,Fitness Tracker,Foam Roller}', 12, 299, 0.50, 30, 0.05),
    (22, 'Camping',           4, 'Tents, sleeping bags and outdoor gear.',         '{Tent,Sleeping Bag,Camping Stove,Headlamp,Hiking Backpack}', 15, 499, 0.50, 30, 0.05),
    (23, 'Cycling',           4, 'Bikes and cycling equipment.',                   '{Bike Helmet,Bike Lights,Cycling Jersey,Bike Lock,Road Bike}', 15, 1899, 0.60, 25, 0.05),
    (24, 'Skincare',          5, 'Face and body care.',                            '{Moisturizer,Face Serum,Sunscreen SPF 50,Cleanser,Eye Cream}', 9, 89, 0.30, 40, 0.03),
    (25, 'Fragrance',         5, 'Perfumes and body mists.',                       '{Eau de Parfum,Eau de Toilette,Body Mist}', 25, 180, 0.35, 25, 0.03),
    (26, 'Haircare',          5, 'Hair products and styling tools.',               '{Shampoo,Conditioner,Hair Dryer,Hair Straightener,Hair Oil}', 7, 249, 0.40, 30, 0.04),
    (27, 'Board Games',       6, 'Board, card and party games.',                   '{Strategy Game,Party Game,Cooperative Game,Chess Set}', 15, 89, 0.50, 30, 0.03),
    (28, 'Building Sets',     6, 'Construction toys, robot and model kits.',       '{Building Set,Robot Kit,Model Kit}', 19, 299, 0.55, 30, 0.04),
    (29, 'Puzzles',           6, 'Jigsaw and 3D puzzles.',                         '{Jigsaw Puzzle 1000 pcs,3D Puzzle,Puzzle Box}', 9, 59, 0.45, 20, 0.03),
    (30, 'Fiction',           7, 'Novels and short stories.',                      '{Novel,Thriller,Fantasy Saga,Short Stories}', 9, 35, 0.60, 40, 0.02),
    (31, 'Non-fiction',       7, 'Cookbooks, biographies, history and travel.',   '{Cookbook,Biography,History Book,Business Book,Travel Guide}', 12, 49, 0.60, 40, 0.02),
    (32, 'Children''s Books', 7, 'Picture, activity and bedtime books.',           '{Picture Book,Activity Book,Bedtime Stories}', 6, 25, 0.60, 25, 0.02);

INSERT INTO categories (category_id, category_name, parent_category_id, description)
SELECT category_id, category_name, parent, description FROM tmp_subcat ORDER BY category_id;

-- 40 suppliers.
CREATE TEMP TABLE tmp_sup_draw AS
SELECT i, random() AS r_country, random() AS r_lead, random() AS r_rating
FROM generate_series(1, 40) i;

INSERT INTO suppliers (supplier_id, supplier_name, country, contact_email, lead_time_days, rating)
SELECT i,
       (ARRAY['Global','Pacific','Nordic','Andes','Atlas','Sunrise','Meridian','Orient','Baltic','Alpine'])[1 + (i - 1) % 10]
         || ' ' ||
       (ARRAY['Trading Co.','Manufacturing','Sourcing Ltd.','Industries'])[1 + (i - 1) / 10],
       (ARRAY['China','Vietnam','Germany','United States','Mexico','Brazil','Poland','Japan','South Korea','Italy','India','Turkey'])[1 + floor(r_country * 12)::int],
       'purchasing@' || lower((ARRAY['Global','Pacific','Nordic','Andes','Atlas','Sunrise','Meridian','Orient','Baltic','Alpine'])[1 + (i - 1) % 10])
         || '-' || lower(split_part((ARRAY['Trading Co.','Manufacturing','Sourcing Ltd.','Industries'])[1 + (i - 1) / 10], ' ', 1)) || '.example.com',
       7 + floor(r_lead * 50)::int,
       round((2.5 + 2.5 * r_rating)::numeric, 1)
FROM tmp_sup_draw
ORDER BY i;

-- ---------------------------------------------------------------------------
-- Products
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_prod_draw AS
SELECT s.category_id, g.i,
       random() AS r_brand, random() AS r_noun, random() AS r_suffix, random() AS r_price, random() AS r_cost,
       random() AS r_launch, random() AS r_launch2, random() AS r_disc, random() AS r_disc2,
       random() AS r_quality, random() AS r_sup, random() AS r_pop
FROM (SELECT * FROM tmp_subcat ORDER BY category_id) s
CROSS JOIN LATERAL generate_series(1, s.n) AS g(i);

CREATE TEMP TABLE tmp_prod AS
SELECT (row_number() OVER (ORDER BY d.category_id, d.i))::int AS product_id,
       d.*, s.parent, s.nouns, s.price_lo, s.price_hi, s.cost_ratio, s.return_p,
       (ARRAY[['Voltix','Aurora','Nordtek','Zenbyte'],
              ['Casa Bella','Nordhaus','Kitchenly','Maison Lumière'],
              ['Urban Thread','Alpenwear','Lunae','Côte Bleue'],
              ['PeakForm','TrailBlaze','Velocità','Summit Gear'],
              ['Lumière Paris','Verdant','Aqualis','Sakura Botanics'],
              ['BrickWorks','Playmoor','Tiny Genius','Kiddo Lab'],
              ['Harbor Press','Penwright','Ediciones Sol','Bluebird Books']])[s.parent][1 + floor(d.r_brand * 4)::int] AS brand,
       s.nouns[1 + floor(d.r_noun * array_length(s.nouns, 1))::int] AS noun,
       (ARRAY['Pro','Max','Lite','Plus','Air','Classic','Essential','Premium','Signature','Mini','Ultra','Eco'])[1 + floor(d.r_suffix * 12)::int] AS suffix,
       (floor(s.price_lo * power(s.price_hi / s.price_lo, power(d.r_price, 1.3))) + 0.99)::numeric(12,2) AS list_price,
       CASE WHEN d.r_launch < 0.82 THEN DATE '2016-01-01' + floor(d.r_launch2 * 2557)::int
            ELSE DATE '2023-01-01' + floor(d.r_launch2 * 1000)::int END AS launched_on,
       3.0 + 1.8 * d.r_quality AS quality
FROM tmp_prod_draw d
JOIN tmp_subcat s USING (category_id);

INSERT INTO products (product_id, sku, product_name, brand, category_id, supplier_id, list_price, unit_cost, launched_on, discontinued_on)
SELECT p.product_id,
       upper(left(regexp_replace(c.category_name, '[^A-Za-z]', '', 'g'), 3)) || '-' || lpad(p.product_id::text, 5, '0'),
       p.brand || ' ' || p.noun || ' ' || p.suffix
         || CASE WHEN row_number() OVER (PARTITION BY p.brand, p.noun, p.suffix ORDER BY p.product_id) > 1
                 THEN ' Gen ' || row_number() OVER (PARTITION BY p.brand, p.noun, p.suffix ORDER BY p.product_id) ELSE '' END,
       p.brand,
       p.category_id,
       1 + ((p.parent - 1) * 6 + floor(p.r_sup * 6)::int) % 40,
       p.list_price,
       round(p.list_price * (p.cost_ratio * (0.85 + 0.3 * p.r_cost))::numeric, 2),
       p.launched_on,
       CASE WHEN p.r_disc < 0.06 AND p.launched_on < DATE '2023-01-01'
            THEN DATE '2023-03-01' + floor(p.r_disc2 * 900)::int END
FROM tmp_prod p
JOIN tmp_subcat c USING (category_id)
ORDER BY p.product_id;

-- Popularity: rank 0 is the best seller. Picks follow rank = floor(15 * ((n/15 + 1)^u - 1)),
-- a shifted Zipf law: the top 10 % of products sell close to half of the units.
CREATE TEMP TABLE tmp_rank AS
SELECT (row_number() OVER (ORDER BY r_pop, product_id) - 1)::int AS rnk, product_id
FROM tmp_prod;
-- Evergreen products (on sale for the whole period), in popularity order: the fallback
-- when a pick is not on sale on the order date.
CREATE TEMP TABLE tmp_evergreen AS
SELECT (row_number() OVER (ORDER BY r.rnk) - 1)::int AS erank, r.product_id
FROM tmp_rank r JOIN products p USING (product_id)
WHERE p.launched_on < DATE '2023-01-01' AND p.discontinued_on IS NULL;

-- ---------------------------------------------------------------------------
-- Stores and employees
-- ---------------------------------------------------------------------------

INSERT INTO stores (store_id, store_name, store_type, city, country, region_id, opened_on, size_sqm) VALUES
    ( 1, 'New York Fifth Avenue',       'flagship', 'New York',         'United States',  1, '2014-04-12', 2400),
    ( 2, 'New York Brooklyn',           'standard', 'New York',         'United States',  1, '2017-09-01', 900),
    ( 3, 'Los Angeles Santa Monica',    'standard', 'Los Angeles',      'United States',  1, '2016-05-20', 1100),
    ( 4, 'Los Angeles Citadel Outlets', 'outlet',   'Los Angeles',      'United States',  1, '2019-03-15', 1300),
    ( 5, 'Chicago Magnificent Mile',    'standard', 'Chicago',          'United States',  1, '2015-10-03', 1200),
    ( 6, 'Toronto Yorkville',           'standard', 'Toronto',          'Canada',         1, '2018-06-09', 950),
    ( 7, 'Montréal Plateau',            'standard', 'Montréal',         'Canada',         1, '2019-08-24', 800),
    ( 8, 'São Paulo Paulista',          'flagship', 'São Paulo',        'Brazil',         2, '2016-11-11', 2000),
    ( 9, 'São Paulo Pinheiros Outlet',  'outlet',   'São Paulo',        'Brazil',         2, '2021-02-05', 1000),
    (10, 'Rio de Janeiro Ipanema',      'standard', 'Rio de Janeiro',   'Brazil',         2, '2018-12-01', 850),
    (11, 'Ciudad de México Polanco',    'standard', 'Ciudad de México', 'Mexico',         2, '2017-04-22', 1050),
    (12, 'Bogotá Chapinero',            'standard', 'Bogotá',           'Colombia',       2, '2024-03-15', 700),
    (13, 'Buenos Aires Palermo',        'standard', 'Buenos Aires',     'Argentina',      2, '2019-05-18', 780),
    (14, 'London Covent Garden',        'flagship', 'London',           'United Kingdom', 3, '2013-09-28', 2200),
    (15, 'Paris Le Marais',             'standard', 'Paris',            'France',         3, '2015-03-07', 900),
    (16, 'München Maxvorstadt',         'standard', 'München',          'Germany',        3, '2018-10-13', 850),
    (17, 'Zürich Bahnhofstrasse',       'standard', 'Zürich',           'Switzerland',    3, '2020-09-05', 650),
    (18, 'Kraków Kazimierz',            'standard', 'Kraków',           'Poland',         3, '2023-06-01', 600),
    (19, 'Barcelona Eixample',          'standard', 'Barcelona',        'Spain',          3, '2017-07-15', 880),
    (20, 'Málaga Centro Outlet',        'outlet',   'Málaga',           'Spain',          3, '2022-04-09', 750),
    (21, 'Göteborg Haga',               'standard', 'Göteborg',         'Sweden',         3, '2025-04-01', 550),
    (22, 'Tokyo Shibuya',               'flagship', 'Tokyo',            'Japan',          4, '2016-02-19', 1900),
    (23, 'Sydney Surry Hills',          'standard', 'Sydney',           'Australia',      4, '2018-03-03', 820),
    (24, 'Singapore Orchard',           'standard', 'Singapore',        'Singapore',      4, '2019-11-16', 760),
    (25, 'Seoul Gangnam',               'standard', 'Seoul',            'South Korea',    4, '2024-09-01', 700);

-- Staff plan: per store one store manager, one assistant manager and 4..9 sales associates
-- (flagships 3 more). Employee ids: 1..4 regional managers, then store by store.
CREATE TEMP TABLE tmp_staff AS
SELECT s.store_id, s.region_id, s.opened_on, s.store_type,
       4 + (s.store_id * 7) % 6 + CASE WHEN s.store_type = 'flagship' THEN 3 ELSE 0 END AS n_assoc
FROM stores s;
ALTER TABLE tmp_staff ADD COLUMN first_emp int;
UPDATE tmp_staff t SET first_emp = 5 + coalesce((SELECT sum(2 + n_assoc) FROM tmp_staff u WHERE u.store_id < t.store_id), 0);

CREATE TEMP TABLE tmp_emp_draw AS
SELECT e.employee_id, e.store_id, e.region_id, e.role, e.opened_on,
       random() AS r_fn, random() AS r_ln, random() AS r_hire, random() AS r_salary
FROM (
    SELECT r AS employee_id, NULL::int AS store_id, r AS region_id, 'Regional Manager' AS role, NULL::date AS opened_on
    FROM generate_series(1, 4) r
    UNION ALL
    SELECT t.first_emp + k, t.store_id, t.region_id,
           CASE k WHEN 0 THEN 'Store Manager' WHEN 1 THEN 'Assistant Manager' ELSE 'Sales Associate' END,
           t.opened_on
    FROM tmp_staff t CROSS JOIN LATERAL generate_series(0, t.n_assoc + 1) k
    ORDER BY 1
) e;

INSERT INTO employees (employee_id, first_name, last_name, email, job_title, store_id, manager_id, hire_date, salary)
SELECT d.employee_id, f.first_name, f.last_name,
       regexp_replace(lower(translate(f.first_name || '.' || f.last_name,
           'ÁÀÂÃÄÅÇÉÈÊËÍÌÎÏÑÓÒÔÕÖØÚÙÛÜÝŁŚŻŹĆŃĘĄŠŽČáàâãäåçéèêëíìîïñóòôõöøúùûüýÿłśżźćńęąšžč',
           'aaaaaaceeeeiiiinoooooouuuuylszzcneaszcaaaaaaceeeeiiiinoooooouuuuyylszzcneaszc')), '[^a-z.]', '', 'g')
         || '.' || d.employee_id || '@staff.example.com',
       d.role, d.store_id,
       CASE WHEN d.role = 'Regional Manager' THEN NULL
            WHEN d.role = 'Store Manager' THEN d.region_id
            ELSE t.first_emp END,
       CASE WHEN d.role = 'Regional Manager' THEN DATE '2011-01-01' + floor(d.r_hire * 2500)::int
            WHEN d.opened_on >= DATE '2022-06-01' THEN d.opened_on - 10 - floor(d.r_hire * 60)::int
            ELSE greatest(d.opened_on - 60, DATE '2012-01-01') + floor(d.r_hire * (DATE '2022-12-31' - greatest(d.opened_on - 60, DATE '2012-01-01')))::int END,
       round((CASE d.role WHEN 'Regional Manager' THEN 125000 + 30000 * d.r_salary
                          WHEN 'Store Manager' THEN 72000 + 20000 * d.r_salary
                          WHEN 'Assistant Manager' THEN 52000 + 12000 * d.r_salary
                          ELSE 29000 + 12000 * d.r_salary END
              * (ARRAY[1.0, 0.45, 0.92, 0.90])[d.region_id])::numeric, -2)
FROM tmp_emp_draw d
CROSS JOIN tmp_names n
LEFT JOIN tmp_staff t ON t.store_id = d.store_id
CROSS JOIN LATERAL (SELECT n.fn[d.region_id][1 + floor(d.r_fn * 12)::int] AS first_name,
                           n.ln[d.region_id][1 + floor(d.r_ln * 12)::int] AS last_name) f
ORDER BY d.employee_id;

-- ---------------------------------------------------------------------------
-- Calendar: relative order volume per day (seasonality, weekdays, Black Friday, growth)
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_days AS
WITH d AS (
    SELECT i, DATE '2023-01-01' + i AS day FROM generate_series(0, 1095) i
), f AS (
    SELECT i, day,
          ((ARRAY[0.80, 0.74, 0.88, 0.93, 1.00, 0.96, 0.97, 1.00, 0.94, 1.03, 1.30, 1.62])[extract(month FROM day)::int]
         * (ARRAY[1.22, 0.90, 0.88, 0.90, 0.95, 1.10, 1.32])[extract(dow FROM day)::int + 1]
         * (ARRAY[1.00, 1.05, 1.10])[extract(year FROM day)::int - 2022]
         * CASE
             WHEN day = bf THEN 2.9
             WHEN day = bf + 3 THEN 2.2                    -- Cyber Monday
             WHEN day IN (bf + 1, bf + 2) THEN 1.6
             WHEN day BETWEEN bf - 4 AND bf - 1 THEN 1.2
             WHEN extract(month FROM day) = 12 AND extract(day FROM day) = 24 THEN 0.6
             WHEN extract(month FROM day) = 12 AND extract(day FROM day) = 25 THEN 0.25
             WHEN extract(month FROM day) = 12 AND extract(day FROM day) = 26 THEN 1.4
             WHEN extract(month FROM day) = 1  AND extract(day FROM day) = 1  THEN 0.35
             ELSE 1.0 END)::float8 AS factor
    FROM d
    CROSS JOIN LATERAL (
        SELECT make_date(extract(year FROM day)::int, 11, 1)
               + ((4 - extract(dow FROM make_date(extract(year FROM day)::int, 11, 1))::int + 7) % 7) + 22 AS bf
    ) b
)
SELECT i, day, factor,
       sum(factor) OVER (ORDER BY i) - factor AS cum_lo,
       sum(factor) OVER (ORDER BY i) AS cum_hi
FROM f;

-- ---------------------------------------------------------------------------
-- Marketing campaigns (13 a year)
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_camp_spec (k int, name text, channel text, start_md text, end_md text, region int, budget float8, discount numeric);
INSERT INTO tmp_camp_spec VALUES
    ( 1, 'New Year Sale',             'email',     '01-02', '01-15', NULL, 18000, 0.15),
    ( 2, 'Valentine''s Day',          'social',    '02-01', '02-14', NULL, 15000, 0.10),
    ( 3, 'Spring Refresh',            'display',   '03-15', '04-10', NULL, 60000, 0.10),
    ( 4, 'Mother''s Day',             'email',     '04-28', '05-11', NULL, 14000, 0.10),
    ( 5, 'Hot Sale',                  'search',    '05-20', '05-31', 2,     9000, 0.20),
    ( 6, 'Summer Sale',               'search',    '06-20', '07-15', NULL, 45000, 0.20),
    ( 7, 'Canada Day & Fourth of July','social',   '06-28', '07-05', 1,    12000, 0.15),
    ( 8, 'Back to School',            'social',    '08-05', '09-05', NULL, 40000, 0.10),
    ( 9, 'La Rentrée',                'affiliate', '09-01', '09-20', 3,    11000, 0.10),
    (10, 'Singles Day 11.11',         'social',    '11-01', '11-11', 4,     9000, 0.20),
    (11, 'Black Friday',              'tv',        NULL,    NULL,    NULL, 160000, 0.25),
    (12, 'Holiday Gift Guide',        'email',     '12-01', '12-23', NULL, 30000, 0.15),
    (13, 'Boxing Day',                'display',   '12-26', '12-31', NULL, 16000, 0.20);

CREATE TEMP TABLE tmp_camp_draw AS
SELECT y, s.k, random() AS r_budget
FROM generate_series(2023, 2025) y CROSS JOIN (SELECT k FROM tmp_camp_spec ORDER BY k) s;

CREATE TEMP TABLE tmp_camp AS
SELECT ((d.y - 2023) * 13 + s.k)::int AS campaign_id,
       s.name || ' ' || d.y AS campaign_name, s.channel, s.region, s.discount,
       CASE WHEN s.k = 11 THEN bf - 4 ELSE to_date(d.y || '-' || s.start_md, 'YYYY-MM-DD') END AS start_date,
       CASE WHEN s.k = 11 THEN bf + 3 ELSE to_date(d.y || '-' || s.end_md, 'YYYY-MM-DD') END AS end_date,
       round((s.budget * power(1.1, d.y - 2023) * (0.8 + 0.4 * d.r_budget))::numeric, -2) AS budget
FROM tmp_camp_draw d
JOIN tmp_camp_spec s USING (k)
CROSS JOIN LATERAL (SELECT make_date(d.y, 11, 1) + ((4 - extract(dow FROM make_date(d.y, 11, 1))::int + 7) % 7) + 22 AS bf) b;

INSERT INTO marketing_campaigns (campaign_id, campaign_name, channel, start_date, end_date, budget, target_region_id)
SELECT campaign_id, campaign_name, channel, start_date, end_date, budget, region
FROM tmp_camp ORDER BY campaign_id;

-- Campaign an order is credited to, per day, region and marketing opt-in: the running
-- campaign with the shortest window (most specific) wins. E-mail campaigns reach opted-in
-- customers only.
CREATE TEMP TABLE tmp_day_camp AS
SELECT DISTINCT ON (d.day, r.region_id, o.opt_in) d.day, r.region_id, o.opt_in, c.campaign_id, c.discount
FROM tmp_days d
CROSS JOIN generate_series(1, 4) AS r(region_id)
CROSS JOIN (VALUES (false), (true)) AS o(opt_in)
JOIN tmp_camp c ON d.day BETWEEN c.start_date AND c.end_date
               AND (c.region IS NULL OR c.region = r.region_id)
               AND (c.channel <> 'email' OR o.opt_in)
ORDER BY d.day, r.region_id, o.opt_in, c.end_date - c.start_date, c.campaign_id;

-- ---------------------------------------------------------------------------
-- Customers (30,000 signed up 2020..2025, sign-ups growing over time)
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_cust_draw AS
SELECT seq,
       DATE '2020-01-01' + floor(2192 * power(random(), 0.85))::int AS signup_date,
       random() AS r_city, random() AS r_store, random() AS r_fn, random() AS r_ln,
       random() AS r_birth, random() AS r_gender, random() AS r_opt, random() AS r_acq,
       random() AS r_weight, random() AS r_life, random() AS r_n, random() AS r_welcome
FROM generate_series(1, 30000) seq;

CREATE TEMP TABLE tmp_city_pick AS
SELECT array_agg(cum_lo ORDER BY city_idx) AS lo, max(cum_hi) AS total
FROM (SELECT city_idx, sum(weight) OVER (ORDER BY city_idx) - weight AS cum_lo,
             sum(weight) OVER (ORDER BY city_idx) AS cum_hi FROM tmp_cities) x;

CREATE TEMP TABLE tmp_city_store AS
SELECT city, store_id, opened_on, (row_number() OVER (PARTITION BY city ORDER BY store_id) - 1)::int AS k,
       count(*) OVER (PARTITION BY city)::int AS n
FROM stores;

-- Purchase behaviour: order rate w ~ Pareto(1.6), softly capped at 60 (a few heavy customers), active life
-- ~ exponential (mean 2000 days) after sign-up, then churn.
CREATE TEMP TABLE tmp_cust AS
SELECT (row_number() OVER (ORDER BY d.signup_date, d.seq))::int AS customer_id,
       d.*, c.city, c.country, c.region_id,
       60 * (1 - exp(-power(1 - d.r_weight, -1 / 1.6) / 60)) AS w,
       d.signup_date + floor(-ln(1 - d.r_life) * 2000)::int AS churn_date
FROM tmp_cust_draw d
CROSS JOIN tmp_city_pick p
JOIN tmp_cities c ON c.city_idx = width_bucket(d.r_city * p.total, p.lo);

ALTER TABLE tmp_cust ADD COLUMN home_store_id int;
UPDATE tmp_cust c SET home_store_id = s.store_id
FROM tmp_city_store s
WHERE s.city = c.city AND s.k = floor(c.r_store * s.n)::int;

CREATE TEMP TABLE tmp_custwin AS
SELECT c.customer_id, c.signup_date, c.r_welcome, da.cum_lo AS a_lo, db.cum_hi AS b_hi,
       CASE WHEN db.day >= da.day THEN floor(0.0022 * c.w * (db.cum_hi - da.cum_lo) + c.r_n)::int ELSE 0 END AS n
FROM tmp_cust c
JOIN tmp_days da ON da.day = greatest(c.signup_date, DATE '2023-01-01')
LEFT JOIN tmp_days db ON db.day = least(c.churn_date, DATE '2025-12-31');

-- ---------------------------------------------------------------------------
-- Orders
-- ---------------------------------------------------------------------------

-- Repeat orders: day drawn from the customer's active window, weighted by the calendar.
CREATE TEMP TABLE tmp_ord_draw AS
SELECT c.customer_id, k, c.a_lo + random() * (c.b_hi - c.a_lo) AS target, NULL::date AS day,
       random() AS r_time, random() AS r_chan, random() AS r_emp, random() AS r_camp,
       random() AS r_cancel, random() AS r_svc, random() AS r_ship, random() AS r_transit,
       random() AS r_late, random() AS r_delay, random() AS r_carrier, random() AS r_pay,
       random() AS r_fail, random() AS r_whole, random() AS r_retday, random() AS r_reason, random() AS r_lines
FROM (SELECT customer_id, n, a_lo, b_hi FROM tmp_custwin WHERE n > 0 ORDER BY customer_id) c
CROSS JOIN LATERAL generate_series(1, c.n) k;

-- Welcome orders: most customers who sign up during 2023..2025 buy on their sign-up day.
INSERT INTO tmp_ord_draw
SELECT c.customer_id, 0, NULL, c.signup_date,
       random(), random(), random(), random(), random(), random(), random(), random(), random(),
       random(), random(), random(), random(), random(), random(), random(), random()
FROM (SELECT customer_id, signup_date FROM tmp_custwin
      WHERE signup_date >= DATE '2023-01-01' AND r_welcome < 0.7 ORDER BY customer_id) c;

-- All order attributes in one pass: date and time, channel, store and sales associate,
-- campaign, cancellation, shipping simulation (online orders) and whole-order returns.
CREATE TEMP TABLE tmp_o AS
SELECT o.order_id, o.customer_id, o.k, o.order_date, o.region_id, o.channel, o.home_store_type,
       to_timestamp((o.order_date - DATE '1970-01-01') * 86400 + o.secs) AS ordered_at,     -- UTC
       CASE WHEN o.channel = 'store' THEN o.home_store_id END AS store_id,
       CASE WHEN o.channel = 'store' THEN t.first_emp + 2 + floor(o.r_emp * t.n_assoc)::int END AS employee_id,
       CASE WHEN a.attributed THEN dc.campaign_id END AS campaign_id,
       CASE WHEN a.attributed THEN dc.discount END AS camp_discount,
       a.cancelled, a.service_level, a.carrier,
       sh.shipped_date, sh.promised_date, dl.delivered_date,
       -- date from which the customer has the goods (store: the order date), NULL if not yet
       CASE WHEN a.cancelled THEN NULL
            WHEN o.channel = 'store' THEN o.order_date
            WHEN dl.delivered_date <= DATE '2025-12-31' THEN dl.delivered_date END AS received_date,
       dl.delivered_date > sh.promised_date AS late,
       -- whole-order return (more likely after a late delivery)
       o.r_whole < CASE WHEN o.channel = 'store' THEN 0.008
                        WHEN dl.delivered_date > sh.promised_date THEN 0.10 ELSE 0.018 END AS whole_return,
       o.r_time, o.r_pay, o.r_fail, o.r_reason, o.r_retday, o.r_lines
FROM (
    SELECT (row_number() OVER (ORDER BY x.order_date, x.secs, x.customer_id, x.k))::int AS order_id, x.*
    FROM (
        SELECT d.*, dd.day2 AS order_date, dd.secs,
               cu.region_id, cu.home_store_id, cu.r_opt < 0.62 AS opt_in, st.store_type AS home_store_type,
               CASE WHEN cu.home_store_id IS NOT NULL AND st.opened_on <= dd.day2
                         AND d.r_chan < 0.52 - 0.06 * (date_part('year', dd.day2) - 2023)
                    THEN 'store' ELSE 'online' END AS channel
        FROM tmp_ord_draw d
        JOIN tmp_cust cu USING (customer_id)
        LEFT JOIN stores st ON st.store_id = cu.home_store_id
        CROSS JOIN LATERAL (
            SELECT coalesce(d.day, DATE '2023-01-01' - 1
                            -- the array is built once per statement (InitPlan), kept in memory
                            + width_bucket(d.target, (SELECT array_agg(cum_lo ORDER BY i) FROM tmp_days))) AS day2,
                   CASE WHEN cu.home_store_id IS NOT NULL AND d.r_chan < 0.52
                        THEN 36000 + floor(d.r_time * 36000)::int          -- store hours 10:00-20:00
                        ELSE floor(86400 * (0.25 + 0.75 * power(d.r_time, 0.7)))::int END AS secs
        ) dd
    ) x
) o
LEFT JOIN tmp_staff t ON t.store_id = o.home_store_id
LEFT JOIN tmp_day_camp dc ON dc.day = o.order_date AND dc.region_id = o.region_id AND dc.opt_in = o.opt_in
CROSS JOIN LATERAL (
    SELECT o.r_camp < CASE WHEN o.channel = 'online' THEN 0.35 ELSE 0.15 END AS attributed,
           o.r_cancel < CASE WHEN o.channel = 'online' THEN 0.04 ELSE 0.005 END AS cancelled,
           CASE WHEN o.r_svc < 0.70 THEN 'standard' WHEN o.r_svc < 0.92 THEN 'express' ELSE 'next_day' END AS service_level,
           (ARRAY[['UPS','FedEx','USPS'],['DHL','FedEx','Correios'],['DHL','DPD','UPS'],['DHL','Japan Post','FedEx']])
               [o.region_id][1 + floor(o.r_carrier * 3)::int] AS carrier
    OFFSET 0
) a
-- shipping simulation for online orders
CROSS JOIN LATERAL (
    SELECT CASE WHEN o.channel = 'online' AND NOT a.cancelled THEN
               o.order_date + CASE a.service_level WHEN 'standard' THEN floor(o.r_ship * 3)::int
                                                   WHEN 'express' THEN floor(o.r_ship * 2)::int ELSE 0 END
           END AS shipped_date,
           o.order_date + CASE a.service_level WHEN 'standard' THEN 5 WHEN 'express' THEN 2 ELSE 1 END AS promised_date,
           CASE a.service_level WHEN 'standard' THEN 2 + floor(o.r_transit * 2)::int ELSE 1 END AS transit,
           CASE a.carrier WHEN 'USPS' THEN 1.4 WHEN 'Correios' THEN 2.2 WHEN 'DPD' THEN 1.3 WHEN 'FedEx' THEN 0.8 ELSE 1.0 END AS carrier_risk
    OFFSET 0  -- evaluate once per order (keeps the subquery from being inlined)
) sh
CROSS JOIN LATERAL (
    SELECT sh.shipped_date + sh.transit
             + CASE WHEN o.r_late < 0.085 * sh.carrier_risk * CASE date_part('month', o.order_date) WHEN 12 THEN 2.5 WHEN 11 THEN 1.6 ELSE 1 END
                    THEN 1 + floor(-ln(1 - o.r_delay) * 2)::int ELSE 0 END AS delivered_date
    OFFSET 0
) dl;

-- ---------------------------------------------------------------------------
-- Order lines
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_item_draw AS
SELECT o.first_item + g.line_number AS order_item_id, o.order_id, g.line_number, o.order_date, o.channel, o.received_date, o.whole_return, o.late,
       o.r_reason AS r_order_reason, o.r_retday AS r_order_retday, o.camp_discount, o.home_store_type,
       random() AS r_prod, random() AS r_qty, random() AS r_disc, random() AS r_ret,
       random() AS r_retq, random() AS r_retday, random() AS r_reason, random() AS r_review, random() AS r_rating
FROM (SELECT *, (sum(n_lines) OVER (ORDER BY order_id) - n_lines)::int AS first_item
      FROM (SELECT *, least(8, 1 + floor(-ln(1 - r_lines) * CASE WHEN channel = 'store' THEN 1.8 ELSE 1.5 END)::int) AS n_lines
            FROM tmp_o) n
      ORDER BY order_id) o
CROSS JOIN LATERAL generate_series(1, o.n_lines) AS g(line_number);

-- Product of each line: the popularity rank picks a product; when that product is not on
-- sale on the order date (launched later or discontinued), an evergreen product stands in.
-- The lookup arrays are uncorrelated sub-selects, built once per statement (InitPlans).
CREATE TEMP TABLE tmp_items AS
SELECT d.*,
       pr.product_id, pr.category_id, pr.parent, pr.return_p, pr.quality,
       least(10, 1 + floor(-ln(1 - d.r_qty) * 0.45)::int) AS quantity,
       round(pr.list_price * (ARRAY[0.92, 0.96, 1.00])[date_part('year', d.order_date)::int - 2022], 2) AS unit_price,
       CASE WHEN d.camp_discount IS NOT NULL AND d.r_disc < 0.85 THEN d.camp_discount
            WHEN d.channel = 'store' AND d.home_store_type = 'outlet' AND d.r_disc < 0.70 THEN 0.30
            WHEN d.r_disc < 0.05 THEN 0.10
            WHEN d.r_disc < 0.07 THEN 0.05
            ELSE 0.00 END::numeric(4,2) AS discount
FROM tmp_item_draw d
CROSS JOIN LATERAL (
    -- 880 products in the catalog (the sum of tmp_subcat.n)
    SELECT least(879, floor(15 * (power(880 / 15.0 + 1, d.r_prod) - 1))::int) AS rnk
) k1
CROSS JOIN LATERAL (
    SELECT (SELECT array_agg(product_id ORDER BY rnk) FROM tmp_rank)[k1.rnk + 1] AS pick
) k2
CROSS JOIN LATERAL (
    SELECT CASE WHEN (SELECT array_agg(launched_on ORDER BY product_id) FROM products)[k2.pick] <= d.order_date
                 AND (SELECT array_agg(coalesce(discontinued_on, 'infinity') ORDER BY product_id) FROM products)[k2.pick] > d.order_date
                THEN k2.pick
                ELSE (SELECT array_agg(product_id ORDER BY erank) FROM tmp_evergreen)
                         [1 + (k1.rnk * 37 + 11) % (SELECT count(*) FROM tmp_evergreen)::int]
           END AS product_id
) k3
JOIN tmp_prod pr ON pr.product_id = k3.product_id;

-- Returned lines: every line of a whole-order return, plus partial returns of single
-- lines (apparel most often, online more often than in store). Only returns received by
-- 2025-12-31 are recorded.
CREATE TEMP TABLE tmp_ret AS
SELECT i.order_item_id, i.order_id, i.product_id, i.quantity AS line_quantity,
       i.unit_price, i.discount,
       CASE WHEN i.whole_return THEN i.quantity ELSE 1 + floor(i.r_retq * i.quantity)::int END AS quantity,
       i.received_date + 1 + floor(CASE WHEN i.whole_return THEN i.r_order_retday ELSE i.r_retday END * 25)::int AS return_date,
       CASE WHEN i.whole_return THEN
                CASE WHEN i.late AND i.r_order_reason < 0.6 THEN 'late_delivery'
                     WHEN i.r_order_reason < 0.7 THEN 'changed_mind'
                     WHEN i.r_order_reason < 0.85 THEN 'not_as_described' ELSE 'damaged' END
            WHEN i.parent = 3 THEN
                CASE WHEN i.r_reason < 0.55 THEN 'wrong_size' WHEN i.r_reason < 0.80 THEN 'changed_mind'
                     WHEN i.r_reason < 0.92 THEN 'not_as_described' ELSE 'damaged' END
            ELSE
                CASE WHEN i.r_reason < 0.30 THEN 'defective' WHEN i.r_reason < 0.50 THEN 'damaged'
                     WHEN i.r_reason < 0.70 THEN 'not_as_described' ELSE 'changed_mind' END
       END AS reason
FROM tmp_items i
WHERE i.received_date IS NOT NULL
  AND (i.whole_return OR i.r_ret < i.return_p * CASE WHEN i.channel = 'online' THEN 1.3 ELSE 0.6 END);
DELETE FROM tmp_ret WHERE return_date > DATE '2025-12-31';

-- Final order status.
CREATE TEMP TABLE tmp_status AS
SELECT o.order_id,
       CASE WHEN o.cancelled THEN 'cancelled'
            WHEN o.channel = 'online' AND o.shipped_date > DATE '2025-12-31'
                 THEN CASE WHEN o.order_date = DATE '2025-12-31' AND o.r_time < 0.5 THEN 'pending' ELSE 'processing' END
            WHEN o.received_date IS NULL THEN 'shipped'
            WHEN r.full_lines = l.n_lines THEN 'returned'
            ELSE 'delivered' END AS status,
       l.subtotal, l.units,
       CASE WHEN o.channel = 'store' THEN 0
            WHEN o.service_level = 'express' THEN 12.99
            WHEN o.service_level = 'next_day' THEN 24.99
            WHEN l.subtotal >= 75 THEN 0 ELSE 5.99 END::numeric(12,2) AS shipping_fee
FROM tmp_o o
JOIN (SELECT order_id, count(*) AS n_lines, sum(quantity) AS units,
             sum(round(quantity * unit_price * (1 - discount), 2)) AS subtotal
      FROM tmp_items GROUP BY order_id) l USING (order_id)
LEFT JOIN (SELECT order_id, count(*) FILTER (WHERE quantity = line_quantity) AS full_lines
           FROM tmp_ret GROUP BY order_id) r USING (order_id);

-- ---------------------------------------------------------------------------
-- Customers (loyalty tier from lifetime revenue), then the sales tables
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE tmp_cust_rev AS
SELECT o.customer_id, sum(s.subtotal) AS revenue
FROM tmp_o o JOIN tmp_status s USING (order_id)
WHERE s.status NOT IN ('cancelled', 'returned')
GROUP BY o.customer_id;

INSERT INTO customers (customer_id, first_name, last_name, email, city, country, region_id, home_store_id,
                       signup_date, birth_date, gender, loyalty_tier, marketing_opt_in, acquisition_channel)
SELECT c.customer_id, f.first_name, f.last_name,
       regexp_replace(lower(translate(f.first_name || '.' || f.last_name,
           'ÁÀÂÃÄÅÇÉÈÊËÍÌÎÏÑÓÒÔÕÖØÚÙÛÜÝŁŚŻŹĆŃĘĄŠŽČáàâãäåçéèêëíìîïñóòôõöøúùûüýÿłśżźćńęąšžč',
           'aaaaaaceeeeiiiinoooooouuuuylszzcneaszcaaaaaaceeeeiiiinoooooouuuuyylszzcneaszc')), '[^a-z.]', '', 'g')
         || c.customer_id || '@' || (ARRAY['example.com','mail.example.org','example.net','inbox.example.com'])[1 + c.customer_id % 4],
       c.city, c.country, c.region_id, c.home_store_id, c.signup_date,
       CASE WHEN c.r_birth < 0.9 THEN DATE '1950-01-01' + floor(c.r_birth / 0.9 * 19000)::int END,
       CASE WHEN c.r_gender < 0.50 THEN 'female' WHEN c.r_gender < 0.93 THEN 'male'
            WHEN c.r_gender < 0.95 THEN 'other' END,
       CASE WHEN coalesce(r.revenue, 0) >= 5000 THEN 'platinum' WHEN coalesce(r.revenue, 0) >= 2000 THEN 'gold'
            WHEN coalesce(r.revenue, 0) >= 600 THEN 'silver' ELSE 'bronze' END,
       c.r_opt < 0.62,
       CASE WHEN c.r_acq < 0.30 THEN 'organic' WHEN c.r_acq < 0.50 THEN 'paid_search' WHEN c.r_acq < 0.65 THEN 'social'
            WHEN c.r_acq < 0.75 THEN 'referral' WHEN c.r_acq < 0.92 THEN 'in_store' ELSE 'email' END
FROM tmp_cust c
CROSS JOIN tmp_names n
LEFT JOIN tmp_cust_rev r USING (customer_id)
CROSS JOIN LATERAL (SELECT n.fn[c.region_id][1 + floor(c.r_fn * 12)::int] AS first_name,
                           n.ln[c.region_id][1 + floor(c.r_ln * 12)::int] AS last_name) f
ORDER BY c.customer_id;

INSERT INTO orders (order_id, customer_id, order_date, ordered_at, channel, store_id, employee_id, campaign_id, status, shipping_fee)
SELECT o.order_id, o.customer_id, o.order_date, o.ordered_at, o.channel, o.store_id, o.employee_id, o.campaign_id, s.status,
       s.shipping_fee
FROM tmp_o o JOIN tmp_status s USING (order_id)
ORDER BY o.order_id;

INSERT INTO order_items (order_item_id, order_id, line_number, product_id, quantity, unit_price, discount)
SELECT order_item_id, order_id, line_number, product_id, quantity, unit_price, discount
FROM tmp_items ORDER BY order_item_id;

-- One final payment per order (plus a failed first attempt for a few).
INSERT INTO payments (payment_id, order_id, paid_at, payment_method, amount, status)
SELECT (row_number() OVER (ORDER BY p.order_id, p.attempt))::int, p.order_id, p.paid_at, p.payment_method, p.amount, p.status
FROM (
    SELECT o.order_id, 2 AS attempt, o.ordered_at + interval '45 seconds' AS paid_at,
           CASE WHEN o.channel = 'online' THEN
                CASE WHEN o.r_pay < 0.45 THEN 'credit_card' WHEN o.r_pay < 0.65 THEN 'paypal' WHEN o.r_pay < 0.80 THEN 'debit_card'
                     WHEN o.r_pay < 0.93 THEN 'apple_pay' ELSE 'gift_card' END
           ELSE CASE WHEN o.r_pay < 0.40 THEN 'credit_card' WHEN o.r_pay < 0.70 THEN 'debit_card' WHEN o.r_pay < 0.88 THEN 'cash'
                     WHEN o.r_pay < 0.98 THEN 'apple_pay' ELSE 'gift_card' END
           END AS payment_method,
           s.subtotal + s.shipping_fee AS amount,
           CASE s.status WHEN 'pending' THEN 'authorized' WHEN 'processing' THEN 'authorized'
                         WHEN 'cancelled' THEN 'refunded' WHEN 'returned' THEN 'refunded' ELSE 'captured' END AS status
    FROM tmp_o o JOIN tmp_status s USING (order_id)
    UNION ALL
    SELECT o.order_id, 1, o.ordered_at + interval '10 seconds', 'credit_card', s.subtotal + s.shipping_fee, 'failed'
    FROM tmp_o o JOIN tmp_status s USING (order_id)
    WHERE o.r_fail < CASE WHEN o.channel = 'online' THEN 0.03 ELSE 0.01 END
) p;

INSERT INTO shipments (shipment_id, order_id, carrier, service_level, tracking_number, shipped_date, promised_date, delivered_date, carrier_cost)
SELECT (row_number() OVER (ORDER BY o.order_id))::int, o.order_id, o.carrier, o.service_level,
       (CASE o.carrier WHEN 'UPS' THEN '1Z' WHEN 'FedEx' THEN 'FX' WHEN 'USPS' THEN '94' WHEN 'DHL' THEN 'JD'
                       WHEN 'Correios' THEN 'BR' WHEN 'DPD' THEN '05' ELSE 'JP' END)
         || lpad(o.order_id::text, 9, '0') || (o.order_id * 7) % 10,
       o.shipped_date, o.promised_date,
       CASE WHEN o.delivered_date <= DATE '2025-12-31' THEN o.delivered_date END,
       round((3.20 + 0.9 * s.units + CASE o.service_level WHEN 'express' THEN 6 WHEN 'next_day' THEN 14 ELSE 0 END)
             * (ARRAY[1.0, 1.25, 1.1, 1.15])[o.region_id], 2)
FROM tmp_o o
JOIN tmp_status s USING (order_id)
WHERE o.channel = 'online' AND NOT o.cancelled AND o.shipped_date <= DATE '2025-12-31';

INSERT INTO returns (return_id, order_item_id, order_id, product_id, return_date, quantity, reason, refund_amount)
SELECT (row_number() OVER (ORDER BY order_item_id))::int, order_item_id, order_id, product_id, return_date, quantity, reason,
       round(quantity * unit_price * (1 - discount), 2)
FROM tmp_ret;

-- Reviews: about 1 in 9 received lines; ratings follow product quality, returned
-- defective or damaged goods get 1-2 stars.
INSERT INTO product_reviews (review_id, product_id, customer_id, order_id, rating, review_date, review_title)
SELECT (row_number() OVER (ORDER BY x.order_item_id))::int, x.product_id, x.customer_id, x.order_id, x.rating, x.review_date,
       (ARRAY[['Very disappointed','Broke after a week','Do not buy'],
              ['Not great','Below expectations','Meh'],
              ['It''s okay','Average quality','Does the job'],
              ['Very good','Happy with it','Good value for money'],
              ['Excellent, highly recommend','Love it!','Perfect']])[x.rating][1 + x.order_item_id % 3]
FROM (
    SELECT i.order_item_id, i.product_id, o.customer_id, i.order_id,
           CASE WHEN r.reason IN ('defective', 'damaged') THEN 1 + floor(i.r_rating * 2)::int
                ELSE greatest(1, least(5, round(i.quality + (i.r_rating - 0.5) * 3)::int)) END AS rating,
           i.received_date + 3 + floor(i.r_review / 0.11 * 40)::int AS review_date
    FROM tmp_items i
    JOIN tmp_o o USING (order_id)
    JOIN tmp_status s USING (order_id)
    LEFT JOIN tmp_ret r USING (order_item_id)
    WHERE i.r_review < 0.11 AND s.status IN ('delivered', 'returned')
) x
WHERE x.review_date <= DATE '2025-12-31';

-- ---------------------------------------------------------------------------
-- Indexes and foreign keys back (validated now), statistics, clean up
-- ---------------------------------------------------------------------------

SET LOCAL maintenance_work_mem = '128MB';
DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT kind, tbl, name, def FROM tmp_ddl WHERE kind = 'index' ORDER BY tbl, name LOOP
        EXECUTE d.def;
    END LOOP;
END
$$;

ANALYZE regions, categories, suppliers, products, stores, employees, customers, marketing_campaigns,
        orders, order_items, payments, shipments, returns, product_reviews;

DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT kind, tbl, name, def FROM tmp_ddl WHERE kind = 'fk' ORDER BY tbl, name LOOP
        EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I %s', d.tbl, d.name, d.def);
    END LOOP;
END
$$;

DROP TABLE tmp_names, tmp_cities, tmp_subcat, tmp_sup_draw, tmp_prod_draw, tmp_prod, tmp_rank, tmp_evergreen,
           tmp_staff, tmp_emp_draw, tmp_days, tmp_camp_spec, tmp_camp_draw, tmp_camp, tmp_day_camp,
           tmp_cust_draw, tmp_city_pick, tmp_city_store, tmp_cust, tmp_custwin, tmp_ord_draw, tmp_o,
           tmp_item_draw, tmp_items, tmp_ret, tmp_status, tmp_cust_rev, tmp_ddl;
