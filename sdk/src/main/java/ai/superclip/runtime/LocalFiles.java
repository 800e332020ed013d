package ai.superclip.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/** File helpers shared across the project: deleting a directory tree, SHA-256 digests. */
public final class LocalFiles {
    private LocalFiles() {
    }

    /** A SHA-256 digest in lowercase hex, and the number of bytes digested. */
    public record Sha256(String hex, long size) {
    }

    /** Deletes {@code path} and everything under it; does nothing if it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Reads {@code in} to its end (without closing it) and returns its SHA-256 and length. */
    public static Sha256 sha256(InputStream in) throws IOException {
        DigestInputStream digesting = new DigestInputStream(in, newSha256());
        long size = digesting.transferTo(OutputStream.nullOutputStream());
        return new Sha256(HexFormat.of().formatHex(digesting.getMessageDigest().digest()), size);
    }

    /** The SHA-256 of a file's bytes, in lowercase hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in).hex();
        }
    }

    /** The SHA-256 of {@code bytes}, in lowercase hex. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
