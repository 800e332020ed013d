package ai.superclip.cli;

import ai.superclip.model.Presets;
import java.util.Iterator;

/** Every model preset's name, for the {@code --model} options' help and completion. */
final class PresetNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Presets.NAMES.iterator();
    }
}
