package ai.superclip.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** A partition's rows mapped a batch at a time, lazily: one batch in memory, one inference run per batch. */
final class Batches {
    /** Maps one batch of input rows to its output rows (fewer when rows are skipped). */
    @FunctionalInterface
    interface BatchFunction extends Serializable {
        List<Row> apply(List<Row> batch) throws Exception;
    }

    private Batches() {
    }

    static Iterator<Row> map(Iterator<Row> rows, int batchSize, BatchFunction function) {
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    List<Row> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && rows.hasNext()) {
                        batch.add(rows.next());
                    }
                    try {
                        current = function.apply(batch).iterator();
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException("batch inference failed: " + e.getMessage(), e);
                    }
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** {@code row}'s values followed by {@code extra}. */
    static Row append(Row row, Object... extra) {
        Object[] values = new Object[row.size() + extra.length];
        for (int i = 0; i < row.size(); i++) {
            values[i] = row.get(i);
        }
        System.arraycopy(extra, 0, values, row.size(), extra.length);
        return RowFactory.create(values);
    }
}
