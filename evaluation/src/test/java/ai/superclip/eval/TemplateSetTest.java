package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateSetTest {

    @Test
    void builtInSetsHaveThePublishedSizesAndNoDuplicates() {
        assertEquals(80, TemplateSet.OPENAI_IMAGENET.templates().size());
        assertEquals(7, TemplateSet.SIMPLE_IMAGENET.templates().size());
        assertEquals(18, TemplateSet.CIFAR.templates().size());
        assertEquals(1, TemplateSet.MNIST.templates().size());
        for (TemplateSet set : List.of(TemplateSet.OPENAI_IMAGENET, TemplateSet.SIMPLE_IMAGENET, TemplateSet.CIFAR)) {
            assertEquals(set.templates().size(), new HashSet<>(set.templates()).size(), set.name());
        }
    }

    @Test
    void builtInSetsMatchTheReferenceStrings() {
        List<String> openai = TemplateSet.OPENAI_IMAGENET.templates();
        assertEquals("a bad photo of a {}.", openai.get(0));
        assertEquals("a {} in a video game.", openai.get(35));
        assertEquals("a tattoo of the {}.", openai.get(79));
        assertEquals(List.of("itap of a {}.", "a bad photo of the {}.", "a origami {}.", "a photo of the large {}.",
                "a {} in a video game.", "art of the {}.", "a photo of the small {}."),
                TemplateSet.SIMPLE_IMAGENET.templates());
        // every SIMPLE template is one of the 80
        TemplateSet.SIMPLE_IMAGENET.templates().forEach(t -> assertEquals(true, openai.contains(t), t));
        assertEquals("a photo of the big {}.", TemplateSet.CIFAR.templates().get(17));
        assertEquals("a photo of the number: \"7\".", TemplateSet.MNIST.fill("7").get(0));
    }

    @Test
    void fillReplacesThePlaceholderInOrder() {
        TemplateSet custom = TemplateSet.of("shapes", "a {}.", "the {} shape");
        assertEquals(List.of("a red circle.", "the red circle shape"), custom.fill("red circle"));
    }

    @Test
    void templatesNeedExactlyOnePlaceholder() {
        assertThrows(IllegalArgumentException.class, () -> TemplateSet.of("bad", "no placeholder"));
        assertThrows(IllegalArgumentException.class, () -> TemplateSet.of("bad", "{} and {}"));
        assertThrows(IllegalArgumentException.class, () -> TemplateSet.of("empty"));
    }
}
