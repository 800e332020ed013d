package ai.superclip.graph;

/** A graph was declared wrongly: mismatched shapes or types, an unknown name, a missing gradient rule. */
public class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }
}
