package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void warmsUpLinearlyThenFollowsTheCosineToTheFloor() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 10, 110, 1e-5);
        assertEquals(1e-4, s.at(0), 1e-12);
        assertEquals(1e-3, s.at(9), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals(1e-5 + 0.5 * (1e-3 - 1e-5), s.at(60), 1e-12);
        assertEquals(1e-5, s.at(110), 1e-12);
        assertEquals(1e-5, s.at(500), 1e-12);
    }

    @Test
    void rejectsImpossibleSettingsNamingThem() {
        assertEquals("lr must be positive, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(-1, 0, 10, 0)).getMessage());
    }
}
