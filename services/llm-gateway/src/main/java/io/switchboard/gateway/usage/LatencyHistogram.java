package io.switchboard.gateway.usage;

/**
 * Milliseconds counted in the buckets of the ledger's hourly rollups ({@code gateway.histogram} in
 * {@code V12__usage_rollups.sql}): bucket 0 holds 0, bucket {@code i >= 1} holds [2^((i-1)/4), 2^(i/4)), the last
 * everything from about 17 minutes. Histograms of several hours add up; a percentile read from one is within 9 %.
 */
final class LatencyHistogram {
    static final int BUCKETS = 82;

    private final long[] counts = new long[BUCKETS];
    private long total;

    /** Adds the counts of a rollup row's histogram (as PostgreSQL returns it; null adds nothing). */
    void add(Integer[] row) {
        if (row == null) {
            return;
        }
        for (int i = 0; i < Math.min(row.length, BUCKETS); i++) {
            counts[i] += row[i];
            total += row[i];
        }
    }

    /** The {@code p}-th quantile (0 to 1), nearest rank, as its bucket's geometric middle; null with no value. */
    Double percentile(double p) {
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(p * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return i == 0 ? 0.0 : Math.pow(2, (i - 0.5) / 4);
            }
        }
        return Math.pow(2, (BUCKETS - 1.5) / 4);
    }
}
