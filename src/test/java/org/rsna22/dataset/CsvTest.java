package org.rsna22.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The lines this application writes and reads back: quoting of commas, quotes and line breaks, numbers. */
class CsvTest {

    @Test
    void fieldsWithCommasAndQuotesSurviveARoundTrip() {
        String line = Csv.line("1.2.3", 5, "reason, with a comma", "say \"no\"", "", 0.25, 3.0);
        assertThat(line).isEqualTo("1.2.3,5,\"reason, with a comma\",\"say \"\"no\"\"\",,0.25,3");
        assertThat(Csv.parse(line)).containsExactly("1.2.3", "5", "reason, with a comma", "say \"no\"", "", "0.25", "3");
    }

    @Test
    void lineBreaksInAFieldBecomeSpacesSoThatALineIsARecord() {
        String line = Csv.line("a", "two\nlines\r\nhere");
        assertThat(line).doesNotContain("\n").doesNotContain("\r");
        assertThat(Csv.parse(line)).containsExactly("a", "two lines  here");
    }

    @Test
    void emptyFieldsAndEmptyLinesKeepTheirPlaces() {
        assertThat(Csv.parse("")).containsExactly("");
        assertThat(Csv.parse(",x,")).containsExactly("", "x", "");
    }

    @Test
    void anUnterminatedQuoteIsAnErrorThatShowsTheLine() {
        assertThatThrownBy(() -> Csv.parse("a,\"b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a,\"b");
    }
}
