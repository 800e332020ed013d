package ai.superclip.spark;

import org.apache.spark.sql.SparkSession;

/** One local-mode Spark session for the test JVM: two task slots, no UI, loopback only. */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("superclip-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.sql.warehouse.dir", TestCorpus.ROOT.resolve("warehouse").toAbsolutePath().toString())
                    .getOrCreate();
        }
        return session;
    }
}
