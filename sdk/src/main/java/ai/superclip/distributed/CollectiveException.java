package ai.superclip.distributed;

/** A collective operation failed: a peer closed, timed out or broke the protocol. The message names the peer. */
public class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
