-- Spider 1.0 (dev set) gold queries, as text-to-SQL systems write them: joins with T1/T2
-- aliases, set operations, NOT IN / scalar subqueries, GROUP BY ... HAVING, ORDER BY count(*).
-- SQLite's "double-quoted strings" became 'single-quoted' here, as PostgreSQL needs.

-- accept
SELECT count(*) FROM singer
-- rewritten:
SELECT count(*) FROM singer
LIMIT 1000
----
-- accept
SELECT name ,  country ,  age FROM singer ORDER BY age DESC
----
-- accept
SELECT avg(age) ,  min(age) ,  max(age) FROM singer WHERE country  =  'France'
----
-- accept
SELECT T2.name ,  T2.capacity FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id  =  T2.stadium_id WHERE T1.year  >=  2014 GROUP BY T2.stadium_id ORDER BY count(*) DESC LIMIT 1
-- rewritten: unchanged
----
-- accept
SELECT T1.name ,  T1.date FROM battle AS T1 JOIN ship AS T2 ON T1.id  =  T2.lost_in_battle WHERE T2.name  =  'Lettice' INTERSECT SELECT T1.name ,  T1.date FROM battle AS T1 JOIN ship AS T2 ON T1.id  =  T2.lost_in_battle WHERE T2.name  =  'HMS Atalanta'
----
-- accept
SELECT id FROM Highschooler EXCEPT SELECT student_id FROM Friend
-- rewritten:
SELECT id FROM Highschooler EXCEPT SELECT student_id FROM Friend
LIMIT 1000
----
-- accept
SELECT T1.countryId ,  T1.CountryName FROM Countries AS T1 JOIN CAR_MAKERS AS T2 ON T1.CountryId  =  T2.Country GROUP BY T1.countryId HAVING count(*)  >  3 UNION SELECT T1.countryId ,  T1.CountryName FROM Countries AS T1 JOIN CAR_MAKERS AS T2 ON T1.CountryId  =  T2.Country JOIN MODEL_LIST AS T3 ON T2.Id  =  T3.Maker WHERE T3.Model  =  'fiat';
-- rewritten:
SELECT T1.countryId ,  T1.CountryName FROM Countries AS T1 JOIN CAR_MAKERS AS T2 ON T1.CountryId  =  T2.Country GROUP BY T1.countryId HAVING count(*)  >  3 UNION SELECT T1.countryId ,  T1.CountryName FROM Countries AS T1 JOIN CAR_MAKERS AS T2 ON T1.CountryId  =  T2.Country JOIN MODEL_LIST AS T3 ON T2.Id  =  T3.Maker WHERE T3.Model  =  'fiat'
LIMIT 1000
----
-- accept
SELECT DISTINCT T2.Name FROM country AS T1 JOIN city AS T2 ON T2.CountryCode  =  T1.Code WHERE T1.Continent  =  'Europe' AND T1.Name NOT IN (SELECT T3.Name FROM country AS T3 JOIN countrylanguage AS T4 ON T3.Code  =  T4.CountryCode WHERE T4.IsOfficial  =  'T' AND T4.Language  =  'English')
----
-- accept
select avg(age) from student where stuid not in (select stuid from has_pet)
----
-- accept
select contestant_name from contestants where contestant_name like '%al%'
----
-- accept
SELECT LOCATION ,  name FROM stadium WHERE capacity BETWEEN 5000 AND 10000
----
-- accept
SELECT document_id FROM Paragraphs GROUP BY document_id HAVING count(*) BETWEEN 1 AND 2
----
-- accept
SELECT T1.CountryName FROM COUNTRIES AS T1 JOIN CONTINENTS AS T2 ON T1.Continent  =  T2.ContId JOIN CAR_MAKERS AS T3 ON T1.CountryId  =  T3.Country WHERE T2.Continent  =  'europe' GROUP BY T1.CountryName HAVING count(*)  >=  3;
----
-- accept
SELECT T1.Model FROM CAR_NAMES AS T1 JOIN CARS_DATA AS T2 ON T1.MakeId  =  T2.Id ORDER BY T2.mpg DESC LIMIT 1;
-- rewritten: unchanged
----
-- accept
SELECT count(DISTINCT department_id) FROM Degree_Programs
----
-- accept
SELECT AirportName FROM Airports WHERE AirportCode NOT IN (SELECT SourceAirport FROM Flights UNION SELECT DestAirport FROM Flights)
----
-- accept
SELECT song_name FROM singer WHERE age  >  (SELECT avg(age) FROM singer)
----
-- accept
SELECT Name FROM country WHERE Continent  =  'Asia'  AND population  >  (SELECT max(population) FROM country WHERE Continent  =  'Africa')
----
-- accept
select count(*) from concert where stadium_id = (select stadium_id from stadium order by capacity desc limit 1)
----
-- accept
select t2.makeid ,  t2.make from cars_data as t1 join car_names as t2 on t1.id  =  t2.makeid where t1.horsepower  >  (select min(horsepower) from cars_data) and t1.cylinders  <  4;
----
-- accept
SELECT Code FROM country WHERE GovernmentForm != 'Republic' EXCEPT SELECT CountryCode FROM countrylanguage WHERE LANGUAGE  =  'English'
----
-- accept
SELECT T1.Continent FROM country AS T1 JOIN countrylanguage AS T2 ON T1.Code  =  T2.CountryCode GROUP BY T1.Continent ORDER BY COUNT(*) DESC LIMIT 1
----
-- accept
SELECT T1.document_id ,  T2.document_name ,  count(*) FROM Paragraphs AS T1 JOIN Documents AS T2 ON T1.document_id  =  T2.document_id GROUP BY T1.document_id
----
-- accept
-- SQLite-style double quotes parse as identifiers in PostgreSQL: still a read-only query
SELECT AirportName FROM AIRPORTS WHERE AirportCode  =  "AKO"
