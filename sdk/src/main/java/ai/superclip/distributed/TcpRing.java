package ai.superclip.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Workers linked in a ring over TCP: each sends to rank + 1 and receives from rank − 1. All-reduce is the
 * bandwidth-optimal ring (a reduce-scatter then an all-gather, N − 1 steps each, the buffer cut in N chunks): every
 * worker sends and receives 2(N − 1)/N of the buffer, and every worker ends with the same bits, since each chunk
 * is summed once, on one worker, and copied to the others. All-gather passes each worker's block around the ring.
 *
 * <p>Every read and write waits at most the timeout; a peer that closes, stalls or breaks the protocol fails the
 * operation with a {@link CollectiveException} naming it, and the ring stays broken. Floats travel little-endian
 * in pieces of {@value #PIECE_FLOATS}, each block after its length, which the receiver checks. Not thread-safe.
 */
public final class TcpRing implements Collective {
    private static final int MAGIC = 0x53435247;
    static final int PIECE_FLOATS = 1 << 20;

    private final int rank;
    private final int size;
    private final long timeoutMillis;
    private final Socket toNext;
    private final Socket fromPrevious;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final String next;
    private final String previous;
    private final ExecutorService sender;
    private final ByteBuffer sendPiece = ByteBuffer.allocate(PIECE_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** The largest piece one worker may contribute to an all-gather (1 GiB of floats). */
    private static final int MAX_GATHER_FLOATS = 1 << 28;
    private final ByteBuffer receivePiece = ByteBuffer.allocate(PIECE_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private String broken;

    private TcpRing(int rank, int size, long timeoutMillis, Socket toNext, Socket fromPrevious, String next,
            String previous) throws IOException {
        this.rank = rank;
        this.size = size;
        this.timeoutMillis = timeoutMillis;
        this.toNext = toNext;
        this.fromPrevious = fromPrevious;
        this.next = next;
        this.previous = previous;
        this.out = toNext == null ? null : new DataOutputStream(new BufferedOutputStream(toNext.getOutputStream(), 1 << 16));
        this.in = fromPrevious == null ? null : new DataInputStream(new BufferedInputStream(fromPrevious.getInputStream(), 1 << 16));
        this.sender = size == 1 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "superclip-ring-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins the ring as worker {@code rank} of {@code size}: listens on an ephemeral port of {@code host} (the
     * address the others reach this worker at), publishes {@code host:port} through {@code rendezvous}, connects
     * to the next worker and accepts the previous one, each within {@code timeout}.
     */
    public static TcpRing connect(int rank, int size, Rendezvous rendezvous, String host, Duration timeout) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of " + size + " workers");
        }
        long millis = timeout.toMillis();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), size);
            List<String> addresses = rendezvous.exchange(rank, host + ":" + server.getLocalPort());
            if (addresses.size() != size) {
                throw new CollectiveException("rank " + rank + ": the rendezvous returned " + addresses.size()
                        + " addresses for " + size + " workers");
            }
            if (size == 1) {
                return new TcpRing(0, 1, millis, null, null, null, null);
            }
            int nextRank = (rank + 1) % size;
            int previousRank = (rank + size - 1) % size;
            String next = "rank " + nextRank + " (" + addresses.get(nextRank) + ")";
            String previous = "rank " + previousRank + " (" + addresses.get(previousRank) + ")";
            Socket toNext = new Socket();
            Socket fromPrevious = null;
            try {
                toNext.connect(parse(addresses.get(nextRank)), (int) millis);
                toNext.setTcpNoDelay(true);
                DataOutputStream hello = new DataOutputStream(toNext.getOutputStream());
                hello.writeInt(MAGIC);
                hello.writeInt(rank);
                hello.writeInt(size);
                hello.flush();
                server.setSoTimeout((int) millis);
                fromPrevious = server.accept();
                fromPrevious.setSoTimeout((int) millis);
                fromPrevious.setTcpNoDelay(true);
                DataInputStream greeting = new DataInputStream(fromPrevious.getInputStream());
                int magic = greeting.readInt();
                int theirRank = greeting.readInt();
                int theirSize = greeting.readInt();
                if (magic != MAGIC || theirRank != previousRank || theirSize != size) {
                    throw new CollectiveException("rank " + rank + ": expected " + previous + " of " + size
                            + " workers to connect, got rank " + theirRank + " of " + theirSize
                            + (magic != MAGIC ? " (not a superclip ring)" : ""));
                }
                return new TcpRing(rank, size, millis, toNext, fromPrevious, next, previous);
            } catch (SocketTimeoutException e) {
                closeQuietly(toNext, fromPrevious);
                throw new CollectiveException("rank " + rank + ": " + previous + " did not connect within "
                        + millis + " ms", e);
            } catch (IOException | RuntimeException e) {
                closeQuietly(toNext, fromPrevious);
                throw new CollectiveException("rank " + rank + ": cannot link to " + next + " and " + previous + ": "
                        + e, e);
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": cannot listen on " + host + ": " + e, e);
        }
    }

    private static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        return new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(float[] data) {
        if (size == 1) {
            return;
        }
        for (int s = 0; s < size - 1; s++) { // reduce-scatter: chunk rank+1 ends complete here
            int send = Math.floorMod(rank - s, size);
            int receive = Math.floorMod(rank - s - 1, size);
            step(data, start(send, data.length), start(send + 1, data.length), data, start(receive, data.length),
                    start(receive + 1, data.length), true);
        }
        for (int s = 0; s < size - 1; s++) { // all-gather of the complete chunks
            int send = Math.floorMod(rank + 1 - s, size);
            int receive = Math.floorMod(rank - s, size);
            step(data, start(send, data.length), start(send + 1, data.length), data, start(receive, data.length),
                    start(receive + 1, data.length), false);
        }
    }

    private int start(int chunk, int length) {
        return (int) ((long) chunk * length / size);
    }

    @Override
    public float[][] allGather(float[] own) {
        float[][] all = new float[size][];
        all[rank] = own;
        for (int s = 0; s < size - 1; s++) {
            float[] send = all[Math.floorMod(rank - s, size)];
            int receive = Math.floorMod(rank - s - 1, size);
            all[receive] = step(send, 0, send.length, null, 0, -1, false);
        }
        return all;
    }

    /**
     * Sends {@code send[from, to)} to the next worker while receiving a block from the previous one into
     * {@code into[at, end)} (added when {@code add}), or, when {@code into} is null, into a new array of the length
     * the peer sends, which is returned.
     */
    private float[] step(float[] send, int from, int to, float[] into, int at, int end, boolean add) {
        if (broken != null) {
            throw new CollectiveException("rank " + rank + ": the ring is broken (" + broken + ")");
        }
        Future<?> sent;
        try {
            sent = sender.submit(() -> {
                write(send, from, to);
                return null;
            });
        } catch (RejectedExecutionException e) {
            throw new CollectiveException("rank " + rank + ": the ring is closed", e);
        }
        try {
            float[] received = read(into, at, end, add);
            sent.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return received;
        } catch (SocketTimeoutException e) {
            throw fail("no data from " + previous + " for " + timeoutMillis + " ms", e);
        } catch (TimeoutException e) {
            throw fail(next + " took no data for " + timeoutMillis + " ms", e);
        } catch (ExecutionException e) {
            throw fail("cannot send to " + next + ": " + e.getCause(), e.getCause());
        } catch (IOException e) {
            throw fail("cannot receive from " + previous + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted", e);
        } catch (CollectiveException e) {
            throw fail(e.getMessage(), e); // read's own findings, which fail() prefixes with this rank
        } catch (RuntimeException e) { // a corrupt stream (absurd length, out of memory for it) breaks the ring too
            throw fail("cannot receive from " + previous + ": " + e, e);
        } finally {
            sent.cancel(true);
        }
    }

    private CollectiveException fail(String what, Throwable cause) {
        broken = what;
        close();
        return new CollectiveException("rank " + rank + ": " + what, cause);
    }

    private void write(float[] data, int from, int to) throws IOException {
        out.writeInt(to - from);
        FloatBuffer floats = sendPiece.asFloatBuffer();
        for (int at = from; at < to; at += PIECE_FLOATS) {
            int n = Math.min(PIECE_FLOATS, to - at);
            floats.clear();
            floats.put(data, at, n);
            out.write(sendPiece.array(), 0, n * Float.BYTES);
        }
        out.flush();
    }

    private float[] read(float[] into, int at, int end, boolean add) throws IOException {
        int length = in.readInt();
        if (length < 0 || (into == null && length > MAX_GATHER_FLOATS)) {
            throw new CollectiveException(previous + " announced " + length + " floats, not a"
                    + " block of this ring (at most " + MAX_GATHER_FLOATS + " per gathered piece)");
        }
        if (into == null) {
            into = new float[length];
            end = length;
        } else if (length != end - at) {
            throw new CollectiveException(previous + " sent " + length + " floats where "
                    + (end - at) + " were expected: the workers called the collective with different buffer sizes");
        }
        FloatBuffer floats = receivePiece.asFloatBuffer();
        for (int i = at; i < end; i += PIECE_FLOATS) {
            int n = Math.min(PIECE_FLOATS, end - i);
            in.readFully(receivePiece.array(), 0, n * Float.BYTES);
            if (add) {
                for (int k = 0; k < n; k++) {
                    into[i + k] += floats.get(k);
                }
            } else {
                floats.get(0, into, i, n);
            }
        }
        return into;
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.shutdownNow();
        }
        closeQuietly(toNext, fromPrevious);
    }

    private static void closeQuietly(Socket... sockets) {
        for (Socket s : sockets) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing after a failure: the failure is what gets reported
                }
            }
        }
    }
}
