package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which slice of a triplet stands in for one that cannot be read: the nearest read one, the earlier on a tie. */
class TripletStandInTest {

    @Test
    void theNearestReadSliceStandsIn() {
        assertThat(TripletSamples.nearest(new String[] {"a", "b", "c"}, 1)).isEqualTo("b");
        assertThat(TripletSamples.nearest(new String[] {null, "b", "c"}, 0)).isEqualTo("b");
        assertThat(TripletSamples.nearest(new String[] {"a", null, "c"}, 1)).isEqualTo("a");
        assertThat(TripletSamples.nearest(new String[] {null, null, "c"}, 0)).isEqualTo("c");
        assertThat(TripletSamples.nearest(new String[] {"a", null, null}, 2)).isEqualTo("a");
        assertThatThrownBy(() -> TripletSamples.nearest(new String[3], 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
