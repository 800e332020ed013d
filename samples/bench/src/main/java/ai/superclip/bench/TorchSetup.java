package ai.superclip.bench;

import java.nio.file.Path;

/** DJL's system properties, set before any DJL class loads: offline, caches in one directory, the thread count. */
public final class TorchSetup {
    private TorchSetup() {
    }

    /**
     * Sets DJL's offline mode, its engine, model and JNA caches (under {@code superclip.djl.cache}, else
     * {@code ~/.cache/superclip/djl}) and libtorch's thread count, unless already set.
     */
    public static void configure(int threads) {
        String cache = System.getProperty("superclip.djl.cache",
                Path.of(System.getProperty("user.home"), ".cache", "superclip", "djl").toString());
        setDefault("ai.djl.offline", "true");
        setDefault("ENGINE_CACHE_DIR", cache);
        setDefault("DJL_CACHE_DIR", cache);
        setDefault("jna.tmpdir", Path.of(cache, "jna").toString());
        setDefault("ai.djl.pytorch.graph_optimizer", "false");
        setDefault("ai.djl.pytorch.num_threads", Integer.toString(threads));
        setDefault("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
