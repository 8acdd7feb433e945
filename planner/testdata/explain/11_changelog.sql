-- upsert-kafka reads +U/-D by key; ChangelogNormalize makes the full changelog
CREATE TABLE users (id INT, name STRING, city STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'users', 'key.format' = 'json', 'value.format' = 'json');
CREATE TABLE rates (currency STRING, rate DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (currency) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'rates', 'key.format' = 'json', 'value.format' = 'json');
CREATE TABLE city_counts (city STRING, n BIGINT, PRIMARY KEY (city) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'city_counts', 'key.format' = 'json', 'value.format' = 'json');
CREATE TABLE printed (id INT, city STRING) WITH ('connector' = 'print');

SELECT * FROM users;

SELECT city, COUNT(*) FROM users GROUP BY city;

INSERT INTO city_counts SELECT city, COUNT(*) FROM users GROUP BY city;

INSERT INTO printed SELECT id, city FROM users WHERE city <> 'NY';

SELECT currency, rate FROM rates;
