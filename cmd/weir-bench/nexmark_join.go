package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// nexmarkJoinQueries are the Nexmark queries beyond q0–q2 (%[1]s person,
// %[2]s auction, %[3]s bid), in RisingWave's dialect, with the published
// per-core figures of ../shared/nexmark.md.
var nexmarkJoinQueries = []nexmarkQuery{
	{"q3", `SELECT P.name, P.city, P.state, A.id FROM %[2]s A JOIN %[1]s P ON A.seller = P.id
		WHERE A.category = 10 AND (P.state = 'or' OR P.state = 'id' OR P.state = 'ca')`,
		"Flink 152K, RisingWave 97K, Feldera 413K, DBSP 804K"},
	{"q4", `SELECT Q.category, AVG(Q.final) AS avg FROM (
		SELECT MAX(B.price) AS final, A.category FROM %[2]s A, %[3]s B
		WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
		GROUP BY A.id, A.category) Q
		GROUP BY Q.category`,
		"Flink 34K, RisingWave 14K, Feldera 265K"},
	{"q20", `SELECT auction, bidder, price, channel, url, B.date_time AS bid_date_time, B.extra AS bid_extra,
		item_name, description, initial_bid, reserve, A.date_time AS auction_date_time, expires, seller, category, A.extra AS auction_extra
		FROM %[3]s AS B INNER JOIN %[2]s AS A ON B.auction = A.id
		WHERE A.category = 10`,
		"no published figure"},
	// q14 calls count_char (countCharFunction, created before it runs).
	{"q14", `SELECT auction, bidder, 0.908 * price AS price,
		CASE
		  WHEN extract(hour from date_time) >= 8 AND extract(hour from date_time) <= 18 THEN 'dayTime'
		  WHEN extract(hour from date_time) <= 6 OR extract(hour from date_time) >= 20 THEN 'nightTime'
		  ELSE 'otherTime'
		END AS bidTimeType,
		date_time, count_char(extra, 'c') AS c_counts
		FROM %[3]s WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`,
		"no published figure"},
	{"q21", `SELECT auction, bidder, price, channel,
		CASE
		  WHEN LOWER(channel) = 'apple' THEN '0'
		  WHEN LOWER(channel) = 'google' THEN '1'
		  WHEN LOWER(channel) = 'facebook' THEN '2'
		  WHEN LOWER(channel) = 'baidu' THEN '3'
		  ELSE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2]
		END AS channel_id
		FROM %[3]s
		WHERE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] IS NOT NULL OR LOWER(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
		"no published figure"},
	{"q22", `SELECT auction, bidder, price, channel,
		split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2, split_part(url, '/', 6) AS dir3
		FROM %[3]s`,
		"no published figure"},
	{"q10", `SELECT auction, bidder, price, date_time, TO_CHAR(date_time, 'YYYY-MM-DD') as date, TO_CHAR(date_time, 'HH:MI') as time FROM %[3]s`,
		"no published figure"},
	{"q15", `SELECT to_char(date_time, 'YYYY-MM-DD') AS day, count(*) AS total_bids,
		count(*) filter (where price < 10000) AS rank1_bids,
		count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
		count(*) filter (where price >= 1000000) AS rank3_bids,
		count(distinct bidder) AS total_bidders,
		count(distinct bidder) filter (where price < 10000) AS rank1_bidders,
		count(distinct bidder) filter (where price >= 10000 and price < 1000000) AS rank2_bidders,
		count(distinct bidder) filter (where price >= 1000000) AS rank3_bidders,
		count(distinct auction) AS total_auctions,
		count(distinct auction) filter (where price < 10000) AS rank1_auctions,
		count(distinct auction) filter (where price >= 10000 and price < 1000000) AS rank2_auctions,
		count(distinct auction) filter (where price >= 1000000) AS rank3_auctions
		FROM %[3]s GROUP BY to_char(date_time, 'YYYY-MM-DD')`,
		"no published figure"},
	{"q16", `SELECT channel, to_char(date_time, 'YYYY-MM-DD') AS day, max(to_char(date_time, 'HH:mm')) AS minute,
		count(*) AS total_bids,
		count(*) filter (where price < 10000) AS rank1_bids,
		count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
		count(*) filter (where price >= 1000000) AS rank3_bids,
		count(distinct bidder) AS total_bidders,
		count(distinct bidder) filter (where price < 10000) AS rank1_bidders,
		count(distinct bidder) filter (where price >= 10000 and price < 1000000) AS rank2_bidders,
		count(distinct bidder) filter (where price >= 1000000) AS rank3_bidders,
		count(distinct auction) AS total_auctions,
		count(distinct auction) filter (where price < 10000) AS rank1_auctions,
		count(distinct auction) filter (where price >= 10000 and price < 1000000) AS rank2_auctions,
		count(distinct auction) filter (where price >= 1000000) AS rank3_auctions
		FROM %[3]s GROUP BY channel, to_char(date_time, 'YYYY-MM-DD')`,
		"no published figure"},
	{"q17", `SELECT auction, to_char(date_time, 'YYYY-MM-DD') AS day, count(*) AS total_bids,
		count(*) filter (where price < 10000) AS rank1_bids,
		count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
		count(*) filter (where price >= 1000000) AS rank3_bids,
		min(price) AS min_price, max(price) AS max_price, avg(price) AS avg_price, sum(price) AS sum_price
		FROM %[3]s GROUP BY auction, to_char(date_time, 'YYYY-MM-DD')`,
		"no published figure"},
	{"q9", `SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category,
		auction, bidder, price, bid_date_time
		FROM (
		  SELECT A.*, B.auction, B.bidder, B.price, B.date_time AS bid_date_time,
		    ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC) AS rownum
		  FROM %[2]s A, %[3]s B
		  WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
		) tmp
		WHERE rownum <= 1`,
		"no published figure"},
	{"q18", `SELECT auction, bidder, price, channel, url, date_time, extra
		FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, extra) AS rank_number FROM %[3]s)
		WHERE rank_number <= 1`,
		"no published figure"},
	{"q19", `SELECT * FROM
		(SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM %[3]s)
		WHERE rank_number <= 10`,
		"no published figure"},
	{"q6", `SELECT Q.seller, AVG(Q.final) OVER (PARTITION BY Q.seller ORDER BY Q.date_time ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg
		FROM (
		  SELECT ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price) AS rank, A.seller, B.price AS final, B.date_time
		  FROM %[2]s AS A, %[3]s AS B
		  WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
		) AS Q
		WHERE Q.rank <= 1`,
		"no published figure"},
}

// countCharFunction is q14's SQL function as Nexmark defines it.
const countCharFunction = `CREATE FUNCTION count_char(s varchar, c varchar) RETURNS int LANGUAGE SQL AS
$$SELECT LENGTH(s) - LENGTH(REPLACE(s, c, ''))$$`

// nexmarkJoinGenerated runs q, a query over the person, auction and bid
// streams of one bounded event sequence of events events, as a blackhole
// subscription, and reports events per second (every kind counted, as the
// published figures count them, though each query reads one or two of the
// three streams), the peak heap and the bytes of the subscription's state
// at the end.
func nexmarkJoinGenerated(ctx context.Context, q nexmarkQuery, events int64) (figure, error) {
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	for _, t := range []string{"person", "auction", "bid"} {
		if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM %s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d')`, t, t, events)); err != nil {
			return figure{}, err
		}
	}
	if err := b.sess.Exec(ctx, countCharFunction); err != nil {
		return figure{}, err
	}
	heap := startHeapSampler(10 * time.Millisecond)
	var out atomic.Int64
	sw := startStopwatch()
	sub, err := b.eng.Subscribe(ctx, fmt.Sprintf(q.sql, "person", "auction", "bid"), countRows(&out))
	if err != nil {
		heap.stop()
		return figure{}, err
	}
	defer sub.Close(ctx)
	deadline := time.Now().Add(20 * time.Minute)
	for {
		srcs := sub.Sources()
		done := len(srcs) > 0
		for _, p := range srcs {
			done = done && p.Lag == 0
		}
		if done {
			break
		}
		select {
		case <-sub.Done():
			heap.stop()
			return figure{}, fmt.Errorf("nexmark %s stopped: %v", q.name, sub.Err())
		default:
		}
		if time.Now().After(deadline) {
			heap.stop()
			return figure{}, fmt.Errorf("nexmark %s: sources %+v after 20 minutes", q.name, srcs)
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.eng.Flush(ctx); err != nil {
		heap.stop()
		return figure{}, err
	}
	wall, cpu := sw.stop()
	peak := heap.stop()
	var rows []string
	for _, p := range sub.Sources() {
		rows = append(rows, fmt.Sprint(p.Rows))
	}
	state, err := sub.StateBytes()
	if err != nil {
		return figure{}, err
	}
	f := newFigure("nexmark", "weir "+q.name+", generator → blackhole", events, wall, cpu)
	f.PeakHeapBytes = peak
	f.Note = fmt.Sprintf("rows = %d events (rows read from each stream: %s), %d rows out, %.1f MiB of join/aggregate state at the end; published events/s per core: %s",
		events, strings.Join(rows, ", "), out.Load(), float64(state)/(1<<20), q.published)
	return f, nil
}
