package ai.superclip.eval;

import java.util.List;
import java.util.Objects;

/**
 * A named set of zero-shot prompt templates; {@code {}} in each template stands for the class name.
 *
 * <p>The built-in sets reproduce the public prompt lists used by OpenAI's CLIP notebook, OpenCLIP
 * ({@code zero_shot_metadata.py}) and CLIP_benchmark ({@code en_zeroshot_classification_templates.json}),
 * in their original order.
 */
public record TemplateSet(String name, List<String> templates) {

    /** The placeholder that {@link #fill} replaces with the class name. */
    public static final String PLACEHOLDER = "{}";

    /** The 80 OpenAI ImageNet templates (OpenCLIP {@code OPENAI_IMAGENET_TEMPLATES}). */
    public static final TemplateSet OPENAI_IMAGENET = new TemplateSet("openai_imagenet", List.of(
            "a bad photo of a {}.",
            "a photo of many {}.",
            "a sculpture of a {}.",
            "a photo of the hard to see {}.",
            "a low resolution photo of the {}.",
            "a rendering of a {}.",
            "graffiti of a {}.",
            "a bad photo of the {}.",
            "a cropped photo of the {}.",
            "a tattoo of a {}.",
            "the embroidered {}.",
            "a photo of a hard to see {}.",
            "a bright photo of a {}.",
            "a photo of a clean {}.",
            "a photo of a dirty {}.",
            "a dark photo of the {}.",
            "a drawing of a {}.",
            "a photo of my {}.",
            "the plastic {}.",
            "a photo of the cool {}.",
            "a close-up photo of a {}.",
            "a black and white photo of the {}.",
            "a painting of the {}.",
            "a painting of a {}.",
            "a pixelated photo of the {}.",
            "a sculpture of the {}.",
            "a bright photo of the {}.",
            "a cropped photo of a {}.",
            "a plastic {}.",
            "a photo of the dirty {}.",
            "a jpeg corrupted photo of a {}.",
            "a blurry photo of the {}.",
            "a photo of the {}.",
            "a good photo of the {}.",
            "a rendering of the {}.",
            "a {} in a video game.",
            "a photo of one {}.",
            "a doodle of a {}.",
            "a close-up photo of the {}.",
            "a photo of a {}.",
            "the origami {}.",
            "the {} in a video game.",
            "a sketch of a {}.",
            "a doodle of the {}.",
            "a origami {}.",
            "a low resolution photo of a {}.",
            "the toy {}.",
            "a rendition of the {}.",
            "a photo of the clean {}.",
            "a photo of a large {}.",
            "a rendition of a {}.",
            "a photo of a nice {}.",
            "a photo of a weird {}.",
            "a blurry photo of a {}.",
            "a cartoon {}.",
            "art of a {}.",
            "a sketch of the {}.",
            "a embroidered {}.",
            "a pixelated photo of a {}.",
            "itap of the {}.",
            "a jpeg corrupted photo of the {}.",
            "a good photo of a {}.",
            "a plushie {}.",
            "a photo of the nice {}.",
            "a photo of the small {}.",
            "a photo of the weird {}.",
            "the cartoon {}.",
            "art of the {}.",
            "a drawing of the {}.",
            "a photo of the large {}.",
            "a black and white photo of a {}.",
            "the plushie {}.",
            "a dark photo of a {}.",
            "itap of a {}.",
            "graffiti of the {}.",
            "a toy {}.",
            "itap of my {}.",
            "a photo of a cool {}.",
            "a photo of a small {}.",
            "a tattoo of the {}."));

    /** The 7-template subset from OpenAI's prompt-engineering notebook (OpenCLIP {@code SIMPLE_IMAGENET_TEMPLATES}). */
    public static final TemplateSet SIMPLE_IMAGENET = new TemplateSet("simple_imagenet", List.of(
            "itap of a {}.",
            "a bad photo of the {}.",
            "a origami {}.",
            "a photo of the large {}.",
            "a {} in a video game.",
            "art of the {}.",
            "a photo of the small {}."));

    /** The 18 CIFAR-10/100 templates (CLIP_benchmark {@code cifar10}/{@code cifar100}). */
    public static final TemplateSet CIFAR = new TemplateSet("cifar", List.of(
            "a photo of a {}.",
            "a blurry photo of a {}.",
            "a black and white photo of a {}.",
            "a low contrast photo of a {}.",
            "a high contrast photo of a {}.",
            "a bad photo of a {}.",
            "a good photo of a {}.",
            "a photo of a small {}.",
            "a photo of a big {}.",
            "a photo of the {}.",
            "a blurry photo of the {}.",
            "a black and white photo of the {}.",
            "a low contrast photo of the {}.",
            "a high contrast photo of the {}.",
            "a bad photo of the {}.",
            "a good photo of the {}.",
            "a photo of the small {}.",
            "a photo of the big {}."));

    /** The single MNIST template (CLIP_benchmark {@code mnist}). */
    public static final TemplateSet MNIST = new TemplateSet("mnist", List.of("a photo of the number: \"{}\"."));

    /**
     * Validates and copies the templates.
     *
     * @throws IllegalArgumentException if the set is empty or a template lacks exactly one {@code {}}
     */
    public TemplateSet {
        Objects.requireNonNull(name, "name");
        templates = List.copyOf(templates);
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("template set '" + name + "' is empty");
        }
        for (String template : templates) {
            int first = template.indexOf(PLACEHOLDER);
            if (first < 0 || template.indexOf(PLACEHOLDER, first + 1) >= 0) {
                throw new IllegalArgumentException(
                        "template must contain exactly one " + PLACEHOLDER + ": " + template);
            }
        }
    }

    /** A custom set, e.g. {@code TemplateSet.of("shapes", "a rendering of a {}.")}. */
    public static TemplateSet of(String name, String... templates) {
        return new TemplateSet(name, List.of(templates));
    }

    /** Every template with {@code {}} replaced by {@code className}, in template order. */
    public List<String> fill(String className) {
        return templates.stream().map(t -> t.replace(PLACEHOLDER, className)).toList();
    }
}
