package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CUDA build ({@code ./mvnw -Pcuda package}) is not built in CI (its natives are 2.4 GB), so this checks what it
 * would take: the cuda profile switches the natives' flavour to cu124, the natives' artifact is named by that flavour
 * and versioned by the PyTorch that DJL's JNI is built for (pytorch-native-cu124 2.5.1 is on Maven Central).
 */
class CudaProfileTest {

    @Test
    void theCudaProfileTakesTheCu124NativesOfTheDjlInUse() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String djl = property(pom, "djl.version");
        String pytorch = property(pom, "pytorch.version");
        assertThat(djl).isEqualTo("0.33.0");
        assertThat(pytorch).isEqualTo("2.5.1"); // DJL 0.33's JNI is built for PyTorch 2.5.1
        assertThat(pom).contains("<artifactId>pytorch-jni</artifactId>\n      <version>${pytorch.version}-${djl.version}</version>");
        assertThat(pom).contains("<artifactId>pytorch-native-${pytorch.flavor}</artifactId>\n      <version>${pytorch.version}</version>");
        int cuda = pom.indexOf("<id>cuda</id>");
        assertThat(cuda).isPositive();
        assertThat(pom.substring(cuda, pom.indexOf("</profile>", cuda))).contains("<pytorch.flavor>cu124</pytorch.flavor>");
        // a built jar says which natives it carries
        assertThat(Engines.flavor()).isEqualTo(property(pom, "pytorch.flavor"));
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1);
    }
}
