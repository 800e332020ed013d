package ai.superclip.spark;

import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/** What the jobs and stages share to tell local paths from URIs and to open the latter through Hadoop. */
final class HadoopFiles {

    /** A URI scheme at the start of a path ({@code hdfs:}, {@code s3a:}, {@code file:}; a drive letter is not one). */
    private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    /** One Hadoop configuration per JVM: building one reads the default and site XML files. */
    private static final Configuration CONFIGURATION = new Configuration();

    private HadoopFiles() {
    }

    static boolean hasScheme(String path) {
        return URI_SCHEME.matcher(path).matches();
    }

    static Configuration configuration() {
        return CONFIGURATION;
    }
}
