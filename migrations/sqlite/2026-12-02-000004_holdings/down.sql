DROP TABLE holdings_sets;
DROP TABLE holdings;
