-- weir quickstart. `make run` loads this file (weir serve --init examples/quickstart.sql)
-- from the repository root, so the stream's path is relative to the root.
--
-- Then, from psql -h 127.0.0.1 -p 5454 -U weir:
--   SELECT * FROM user_totals ORDER BY total DESC LIMIT 5;
--   SELECT total FROM user_totals WHERE user_id = 2;
--   SELECT * FROM city_totals ORDER BY n_users DESC, city;
--   INSERT INTO users VALUES (9, 'ivan', 'oslo');  FLUSH;  SELECT * FROM city_totals;

-- A table: rows are inserted, updated and deleted with SQL.
CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR);

INSERT INTO users VALUES
  (1, 'ada', 'london'),
  (2, 'grace', 'new york'),
  (3, 'alan', 'london'),
  (4, 'edsger', 'amsterdam'),
  (5, 'barbara', 'new york'),
  (6, 'donald', 'stanford'),
  (7, 'frances', 'new york'),
  (8, 'ken', 'berkeley');

-- A stream: an append-only feed of orders read from a CSV file (header
-- user_id,amount,ts). Lines appended to the file later are picked up too.
-- Negative amounts are refunds.
CREATE STREAM orders (user_id BIGINT, amount DOUBLE PRECISION, ts TIMESTAMP)
  WITH (connector = 'file', path = 'examples/data/orders.csv', format = 'csv');

-- Per-user totals over the paid orders, kept up to date as orders arrive.
CREATE MATERIALIZED VIEW user_totals AS
  SELECT user_id,
         count(*) AS n,
         sum(amount) AS total,
         min(amount) AS smallest,
         max(amount) AS largest,
         avg(amount) AS average
  FROM orders
  WHERE amount > 0
  GROUP BY user_id;

-- Users per city, kept up to date as the users table changes.
CREATE MATERIALIZED VIEW city_totals AS
  SELECT city, count(*) AS n_users
  FROM users
  GROUP BY city;

-- A live Nexmark auction site (the benchmark's generator), 1000 events a
-- second: people, auctions and bids in the 1 : 3 : 46 mix.
CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.per.second = '1000');
CREATE STREAM auction WITH (connector = 'nexmark', nexmark.table = 'auction', nexmark.events.per.second = '1000');

-- Bids and the best price per auction.
CREATE MATERIALIZED VIEW bids_per_auction AS
  SELECT auction, count(*) AS bids, max(price) AS top_price
  FROM bid
  GROUP BY auction;

-- Who bids most, and how much.
CREATE MATERIALIZED VIEW top_bidders AS
  SELECT bidder, count(*) AS bids, sum(price) AS spent
  FROM bid
  GROUP BY bidder;

-- Auctions and their average opening bid per category.
CREATE MATERIALIZED VIEW auctions_per_category AS
  SELECT category, count(*) AS auctions, avg(initial_bid) AS avg_initial_bid
  FROM auction
  GROUP BY category;
