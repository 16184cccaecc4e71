package org.rsna22.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.ConfigLoader;
import org.rsna22.testsupport.ExternalTools;

/**
 * bench fracture --torchscript: beside the config's built-in backbone, the slice model on a file of
 * bench/export_backbone.py in DJL and in PyTorch (the same file, the same threads), each a rate.
 */
class FractureBenchmarkTest {

    @Test
    void theExportedBackboneIsMeasuredInDjlAndInPyTorch(@TempDir Path tmp) throws Exception {
        ExternalTools.requirePythonModule("torchvision", "python3-torchvision");
        Path file = tmp.resolve("resnet18.pt");
        ExternalTools.runOk(List.of(ExternalTools.PYTHON, Path.of("bench/export_backbone.py").toAbsolutePath().toString(),
                "--arch", "resnet18", "--out", file.toString(), "--no-weights", "--size", "64"), tmp);
        StringWriter out = new StringWriter();
        FractureBenchmark.run(ConfigLoader.load("demo").fracture(), 1, 2, 0.3, file, new PrintWriter(out));
        String rate = " 64px window 16 batch 1, \\d+ threads: training \\d+\\.\\d images/s";
        assertThat(out.toString())
                .containsPattern("djl     slice model \\(M3-like\\) plain w16" + rate)
                .containsPattern("pytorch slice model \\(M3-like\\) plain w16" + rate)
                .containsPattern("djl     slice model \\(M3-like\\) torchscript resnet18.pt" + rate)
                .containsPattern("pytorch slice model \\(M3-like\\) torchscript resnet18.pt" + rate);
    }
}
