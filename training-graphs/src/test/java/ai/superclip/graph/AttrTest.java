package ai.superclip.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Attributes are checked against their op's schema when the node is built. */
class AttrTest {

    @Test
    void anAttributeTheOpDoesNotTakeFailsNamingTheOp() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 2, 3);
        GraphException e = assertThrows(GraphException.class, () -> g.node(Op.SOFTMAX).attr(Attr.KEEPDIMS, 1L));
        assertEquals("Softmax takes no attribute keepdims", e.getMessage());
        assertTrue(x.softmax(-1).producer().intAttr(Attr.AXIS, 0) == -1);
    }

    @Test
    void aValueOfTheWrongTypeFailsNamingTheAttribute() {
        Graph g = new Graph();
        GraphException e = assertThrows(GraphException.class, () -> g.node(Op.GEMM).attr(Attr.ALPHA, 2L));
        assertEquals("Gemm: attribute alpha takes FLOAT, got Long", e.getMessage());
    }

    @Test
    void shapeArithmeticFollowsTheOnnxDefinitions() {
        assertArrayEquals(new long[] {2, 1, 4}, Shape.reduce(new long[] {2, 3, 4}, new long[] {1}, true));
        assertArrayEquals(new long[] {2, 4}, Shape.reduce(new long[] {2, 3, 4}, new long[] {-2}, false));
        assertArrayEquals(new long[] {2, 12}, Shape.reshape(new long[] {2, 3, 4}, new long[] {0, -1}));
        assertArrayEquals(new long[] {5, 2, 7}, Shape.matmul(new long[] {5, 2, 3}, new long[] {7, 3}, false, true));
        assertArrayEquals(new long[] {4, 2, 3}, Shape.permute(new long[] {2, 3, 4}, new long[] {2, 0, 1}));
        assertArrayEquals(new long[] {2, 4}, Shape.squeeze(new long[] {2, 1, 4}, new long[] {1}));
        assertArrayEquals(new long[] {1, 2, 1, 4}, Shape.unsqueeze(new long[] {2, 4}, new long[] {0, -2}));
        assertArrayEquals(new long[] {2, 5, 6}, Shape.gather(new long[] {2, 9, 6}, new long[] {5}, 1));
        assertArrayEquals(new long[] {2, 2}, Shape.slice(new long[] {2, 9}, new long[] {1}, new long[] {-3},
                new long[] {1}, new long[] {3}));
        assertArrayEquals(new long[] {Shape.UNKNOWN, 7}, Shape.concat(java.util.List.of(
                new long[] {Shape.UNKNOWN, 7}, new long[] {3, 7}), 0));
    }
}
