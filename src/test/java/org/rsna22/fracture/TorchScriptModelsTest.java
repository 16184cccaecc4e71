package org.rsna22.fracture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.model.SavedModels;
import org.rsna22.model.SequenceNet;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every model on a backbone exported by bench/export_backbone.py (torchvision's ShuffleNet V2 x0.5, random weights,
 * as nothing can be downloaded here; depthwise convolutions and a channel shuffle, and a ninth of ResNet-18's cost,
 * which CompetitionGuideTest and FractureBenchmarkTest export): the box localiser, M2 and M3 fine-tune it, M4 reads
 * M3's 1,024 features; a run of the box
 * localiser, of M2 and of M3 failed in its second epoch resumes to the uninterrupted run's weights and out-of-fold
 * predictions, byte for byte; a file that does not fit stops the job before it starts.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:torchscript;DB_CLOSE_DELAY=-1")
@Import({JobTestSupport.FailingSourceConfig.class, TrainFractureJobTest.FailingEpoch.class})
class TorchScriptModelsTest {

    static final String EXPERIMENT = "torchscript-test";
    static final String[] FAILED = {FractureModels.VERTEBRA, FractureModels.SLICE_FRACTURE};

    @TempDir
    static Path shared;
    static Path data;
    static Path backbone;
    static Path config;

    @Autowired
    JobRunner runner;

    @BeforeAll
    static void dataset() throws Exception {
        ExternalTools.requirePythonModule("torchvision", "python3-torchvision");
        data = shared.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 5, 24, 2, true)).generate(data, null);
        backbone = shared.resolve("shufflenet.pt");
        String printed = ExternalTools.runOk(List.of(ExternalTools.PYTHON,
                Path.of("bench/export_backbone.py").toAbsolutePath().toString(), "--arch", "shufflenet_v2_x0_5",
                "--out", backbone.toString(), "--no-weights", "--size", "32"), shared);
        assertThat(printed).contains("1024 features per image");
        config = shared.resolve(EXPERIMENT + ".yaml");
        Files.writeString(config, """
                prepare:
                  studies_per_partition: 3
                  folds: 2
                bbox:
                  backbone: torchscript
                  torchscript_path: %1$s
                  image_size: 32
                  epochs: 2
                  batch_size: 16
                  lr: 1.0e-3
                  folds: [0, 1]
                  seeds: [0]
                  loader_threads: 1
                infer_bbox:
                  studies_per_partition: 3
                fracture:
                  backbone: torchscript
                  torchscript_path: %1$s
                  crop_size: 32
                  images_per_window: 4
                  studies_per_partition: 3
                  lstm: 8
                  study_lstm: 8
                  max_study_length: 8
                  vertebra:
                    epochs: 2
                    batch_size: 4
                    folds: [0, 1]
                  slice_fracture:
                    epochs: 2
                    batch_size: 4
                    folds: [0, 1]
                  study:
                    epochs: 2
                    batch_size: 2
                    folds: [0, 1]
                """.formatted(backbone));
    }

    private JobExecution run(String job, Path work) throws Exception {
        return JobTestSupport.run(runner, job, data, work, config.toString());
    }

    @Test
    void everyModelFineTunesTheExportedBackboneAndResumesByteIdentically() throws Exception {
        Path reference = shared.resolve("reference");
        for (String job : List.of("prepare", "train-bbox", "infer-bbox", "train-fracture")) {
            assertThat(run(job, reference).getStatus()).as(job).isEqualTo(BatchStatus.COMPLETED);
        }
        WorkLayout a = new WorkLayout(reference);
        List<String> oof = PrepareJobTestSupport.gunzip(a.oofStudyPredictions());
        assertThat(oof).hasSize(7);
        JsonNode cv = JsonMapper.builder().build().readTree(Files.readString(a.cvScore()));
        assertThat(cv.get("metric").asDouble()).isPositive();
        String uid = oof.get(1).split(",")[0];
        assertThat(StudyEmbedding.read(a.embedding(EXPERIMENT, 0, 0, uid)).features())
                .as("M4 reads ShuffleNet's 1,024 features per image").isEqualTo(1024);
        FractureConfig c = ConfigLoader.load(config.toString()).fracture();
        try (Model m2 = Model.newInstance(FractureModels.VERTEBRA)) {
            SequenceNet net = SequenceTask.network(c, FractureModels.VERTEBRA, Device.cpu());
            m2.setBlock(net);
            net.initialize(m2.getNDManager(), DataType.FLOAT32, new Shape(1, 4, 3, 32, 32), new Shape(1, 4));
            float[] exported = firstConvolution(net);
            SavedModels.load(m2, a.run(EXPERIMENT, FractureModels.VERTEBRA, 0, 0).model(), FractureModels.VERTEBRA);
            assertThat(firstConvolution(net)).as("M2's saved backbone is the fine-tuned one").isNotEqualTo(exported);
        }

        Path resumed = shared.resolve("resumed");
        assertThat(run("prepare", resumed).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        TrainFractureJobTest.FailingEpoch.FAIL.set(EXPERIMENT + "/fold1-seed0");
        assertThat(run("train-bbox", resumed).getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(run("train-bbox", resumed).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        WorkLayout b = new WorkLayout(resumed);
        for (int fold : new int[] {0, 1}) {
            assertThat(Files.readAllBytes(b.run(EXPERIMENT, fold, 0).model().resolve("bbox-0000.params")))
                    .as("box localiser of fold " + fold)
                    .isEqualTo(Files.readAllBytes(a.run(EXPERIMENT, fold, 0).model().resolve("bbox-0000.params")));
        }
        assertThat(run("infer-bbox", resumed).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(Files.readAllBytes(b.bboxPred(WorkLayout.Subset.TRAIN)))
                .isEqualTo(Files.readAllBytes(a.bboxPred(WorkLayout.Subset.TRAIN)));
        for (String model : FAILED) {
            TrainFractureJobTest.FailingEpoch.FAIL.set(EXPERIMENT + "/" + model + "/fold1-seed0");
            assertThat(run("train-fracture", resumed).getStatus()).as("failed in " + model)
                    .isEqualTo(BatchStatus.FAILED);
            assertThat(b.run(EXPERIMENT, model, 1, 0).checkpoint(1)).isDirectory();
        }
        assertThat(run("train-fracture", resumed).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        for (String model : List.of(FractureModels.VERTEBRA, FractureModels.SLICE_FRACTURE, FractureModels.STUDY)) {
            for (int fold : new int[] {0, 1}) {
                Path wa = a.run(EXPERIMENT, model, fold, 0).model().resolve(model + "-0000.params");
                Path wb = b.run(EXPERIMENT, model, fold, 0).model().resolve(model + "-0000.params");
                assertThat(Files.readAllBytes(wb)).as(model + " weights of fold " + fold)
                        .isEqualTo(Files.readAllBytes(wa));
            }
        }
        assertThat(Files.readAllBytes(b.oofStudyPredictions())).isEqualTo(Files.readAllBytes(a.oofStudyPredictions()));
        assertThat(Files.readAllBytes(b.embedding(EXPERIMENT, 0, 0, uid)))
                .isEqualTo(Files.readAllBytes(a.embedding(EXPERIMENT, 0, 0, uid)));
    }

    private static float[] firstConvolution(Block block) {
        return block.getParameters().stream().map(Pair::getValue)
                .filter(p -> p.getArray().getShape().dimension() == 4).findFirst().orElseThrow().getArray()
                .toFloatArray();
    }

    @Test
    void aBackboneFileThatDoesNotFitStopsTheJobBeforeItStarts() throws Exception {
        Path work = shared.resolve("refused");
        assertThat(run("prepare", work).getStatus()).isEqualTo(BatchStatus.COMPLETED);
        Path gray = shared.resolve("gray.pt");
        ExternalTools.runOk(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/make_torchscript_backbone.py").toAbsolutePath().toString(), gray.toString(),
                "--in-chans", "1"), shared);
        Path bad = shared.resolve("gray.yaml");
        Files.writeString(bad, Files.readString(config).replace("torchscript_path: " + backbone,
                "torchscript_path: " + gray));
        assertThatThrownBy(() -> JobTestSupport.run(runner, "train-bbox", data, work, bad.toString()))
                .hasMessageStartingWith("bbox.torchscript_path " + gray + " does not take 3-channel images of 32x32")
                .hasMessageContaining("its first convolution takes 1 channels");
        assertThat(new WorkLayout(work).runs("gray")).doesNotExist();
    }
}
