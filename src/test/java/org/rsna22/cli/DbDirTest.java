package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A relative --rsna22.db-dir works: H2 refuses database paths that are implicitly relative to the working folder. */
class DbDirTest {

    @Test
    void aRelativeDbDirIsMadeAbsoluteAndOtherArgumentsStay() {
        String[] out = Main.absoluteDbDir("status", "--rsna22.db-dir=demo/db", "--no-web");
        assertThat(out[1]).isEqualTo("--rsna22.db-dir=" + Path.of("demo/db").toAbsolutePath().normalize());
        assertThat(out[0]).isEqualTo("status");
        assertThat(out[2]).isEqualTo("--no-web");
        assertThat(Main.absoluteDbDir("--rsna22.db-dir=/x/y")[0]).isEqualTo("--rsna22.db-dir=/x/y");
    }
}
