package org.rsna22.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Experiments are config/default.yaml overridden key by key; cfg_loc_dh_01B carries SPEC §4's values. */
class ConfigLoaderTest {

    @Test
    void cfgLocDh01BHasTheOriginalRecipe() {
        ExperimentConfig c = ConfigLoader.load("cfg_loc_dh_01B");
        BboxConfig b = c.bbox();
        assertThat(c.name()).isEqualTo("cfg_loc_dh_01B");
        assertThat(b.imageSize()).isEqualTo(512);
        assertThat(b.windowLevel() - b.windowWidth() / 2).isEqualTo(-500);
        assertThat(b.windowLevel() + b.windowWidth() / 2).isEqualTo(1300);
        assertThat(b.mean()).containsExactly(0.2236, 0.1819, 0.2523);
        assertThat(b.std()).containsExactly(0.3245, 0.2956, 0.3134);
        assertThat(b.epochs()).isEqualTo(15);
        assertThat(b.batchSize()).isEqualTo(32);
        assertThat(b.valBatchSize()).isEqualTo(64);
        assertThat(b.lr()).isEqualTo(2e-4);
        assertThat(b.weightDecay()).isZero();
        assertThat(b.warmup()).isEqualTo(0.1);
        assertThat(b.boxLossWeight()).isEqualTo(0.8);
        assertThat(b.hasBoxLossWeight()).isEqualTo(0.2);
        assertThat(b.hasBoxClip()).containsExactly(0.05, 0.95);
        assertThat(b.augment()).isEqualTo(new BboxConfig.AugmentConfig(0.5, 0.2, 0.75, 0.2, 0.2, 20, 0.75));
        assertThat(b.folds()).containsExactly(0, 1, 2, 3, 4, -1);
        assertThat(b.seeds()).hasSize(3);
        assertThat(c.prepare().excludedStudies())
                .containsExactly("1.2.826.0.1.3680043.20574", "1.2.826.0.1.3680043.29952");
    }

    @Test
    void demoOverridesOnlyWhatItNames() {
        ExperimentConfig demo = ConfigLoader.load("demo");
        ExperimentConfig base = ConfigLoader.load("default");
        assertThat(demo.bbox().folds()).containsExactly(0, 1);
        assertThat(demo.bbox().seeds()).containsExactly(0);
        assertThat(demo.bbox().mean()).isEqualTo(base.bbox().mean());
        assertThat(demo.inferBbox().rangeThreshold()).isEqualTo(0.3);
        assertThat(demo.inferBbox().rollingWindow()).isEqualTo(base.inferBbox().rollingWindow());
        assertThat(demo.inferBbox().hasBoxThreshold()).isEqualTo(base.inferBbox().hasBoxThreshold());
        assertThat(base.inferBbox().rangeThreshold()).isEqualTo(0.1);
    }

    @Test
    void unknownKeysAndBadValuesAreErrors(@TempDir Path tmp) throws Exception {
        Path typo = Files.writeString(tmp.resolve("typo.yaml"), "bbox:\n  augment:\n    hflipp: 0.5\n");
        assertThatThrownBy(() -> ConfigLoader.load(typo.toString()))
                .hasMessage("unknown config key 'bbox.augment.hflipp' (not in config/default.yaml)");
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "bbox:\n  backbone: vit\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad.toString()))
                .hasMessageContaining("bbox.backbone must be resnet, efficientnet or torchscript, not vit");
        Path turn = Files.writeString(tmp.resolve("turn.yaml"), "fracture:\n  augment: rotate\n");
        assertThatThrownBy(() -> ConfigLoader.load(turn.toString()))
                .hasMessageContaining("fracture.augment must be flip or dihedral, not rotate");
        Path bags = Files.writeString(tmp.resolve("bags.yaml"), "fracture:\n  image_mil_weight: 1\n"
                + "  image_loss_weight: 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(bags.toString()))
                .hasMessageContaining("fracture.image_mil_weight teaches M3's crack head from the fractured studies "
                        + "without crack boxes: it needs box_labels: true and image_loss_weight above 0");
        Path rounds = Files.writeString(tmp.resolve("rounds.yaml"), "fracture:\n  pseudo_box_rounds: 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(rounds.toString()))
                .hasMessageContaining("fracture.pseudo_box_rounds locates the cracks of the fractured studies without "
                        + "crack boxes with M3's crack head: it needs box_labels: true and image_loss_weight above 0");
        Path three = Files.writeString(tmp.resolve("three.yaml"), "fracture:\n  box_labels: true\n"
                + "  image_loss_weight: 1\n  pseudo_box_rounds: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(three.toString()))
                .hasMessageContaining("fracture.pseudo_box_rounds must be 0 to 2, not 3");
    }

    @Test
    void m2CanHaveAStemStrideOfItsOwnAndTheStudyModelNone(@TempDir Path tmp) throws Exception {
        Path own = Files.writeString(tmp.resolve("own.yaml"), "fracture:\n  stem_stride: 1\n  vertebra:\n"
                + "    stem_stride: 2\n");
        FractureConfig f = ConfigLoader.load(own.toString()).fracture();
        assertThat(f.stemStride(f.vertebra())).isEqualTo(2);
        assertThat(f.stemStride(f.sliceFracture())).isEqualTo(1);
        assertThat(f.stemStride(f.sliceImage())).as("M3's pretraining is M3's network").isEqualTo(1);
        FractureConfig defaults = ConfigLoader.load("default").fracture();
        assertThat(defaults.stemStride(defaults.vertebra())).isEqualTo(defaults.stemStride()).isEqualTo(2);
        Path study = Files.writeString(tmp.resolve("study.yaml"), "fracture:\n  study:\n    stem_stride: 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(study.toString()))
                .hasMessageContaining("fracture.study.stem_stride must be 0");
        Path three = Files.writeString(tmp.resolve("three.yaml"), "fracture:\n  vertebra:\n    stem_stride: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(three.toString()))
                .hasMessageContaining("stem_stride must be 1 or 2, or 0 for fracture.stem_stride");
    }

    @Test
    void theResolvedConfigReadsBackTheSame(@TempDir Path tmp) throws Exception {
        ExperimentConfig c = ConfigLoader.load("demo");
        Path resolved = Files.writeString(tmp.resolve("demo.yaml"), ConfigLoader.toYaml(c).replaceFirst("name: .*\n", ""));
        ExperimentConfig again = ConfigLoader.load(resolved.toString());
        assertThat(again.bbox()).isEqualTo(c.bbox());
        assertThat(again.prepare()).isEqualTo(c.prepare());
        assertThat(List.of(again.inferBbox())).containsExactly(c.inferBbox());
    }

    @Test
    void aConfigStoredByAnEarlierVersionRestartsWithTheDefaultsOfTheKeysAddedSince() {
        String name = "stored-by-an-earlier-version";
        ExperimentConfig c = ConfigLoader.load("default");
        // the resolved YAML of a version before fracture.stem_stride (and each model's), pool, init and the models'
        // schedule existed
        String stored = ConfigLoader.toYaml(c).replaceFirst("name: .*\n", "name: \"" + name + "\"\n")
                .replaceFirst("\n  stem_stride: \\d+", "").replaceAll("\n    stem_stride: \\d+", "")
                .replaceFirst("\n  pool: \"?avg\"?", "")
                .replaceFirst("\n  init: \"?djl\"?", "").replaceAll("\n    schedule: \"?cosine\"?", "");
        assertThat(stored).doesNotContain("stem_stride").doesNotContain("schedule").doesNotContain("init:")
                .contains("name: \"" + name + "\"");
        try (ConfigLoader.Pin pin = ConfigLoader.pin(name, stored)) {
            ExperimentConfig again = ConfigLoader.load(name);
            assertThat(again.fracture()).isEqualTo(c.fracture());
            assertThat(again.fracture().stemStride()).isEqualTo(2);
            assertThat(again.name()).isEqualTo(name);
            assertThat(again.bbox()).isEqualTo(c.bbox());
        }
    }

    @Test
    void aPinnedConfigIsWhatLoadGivesUntilItsLastHolderLetsGoWhateverTheFileSays(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("pinned.yaml");
        Files.writeString(file, "fracture:\n  study:\n    epochs: 7\n");
        String name = file.toString();
        String asStarted = ConfigLoader.toYaml(ConfigLoader.load(name));
        // a stored text resolves to itself: a worker pinning what the job stored holds what the manager pinned
        assertThat(ConfigLoader.toYaml(ConfigLoader.fromStored(asStarted, "pinned", "test"))).isEqualTo(asStarted);
        ConfigLoader.Pin first = ConfigLoader.pinCurrent(name);
        Files.writeString(file, "fracture:\n  study:\n    epochs: 9\n");
        assertThat(ConfigLoader.load(name).fracture().study().epochs()).isEqualTo(7);
        ConfigLoader.Pin second = ConfigLoader.pin(name, asStarted); // a partition of the same job: nests
        assertThat(ConfigLoader.pinCurrent(name)).isNotNull().satisfies(ConfigLoader.Pin::close);
        // another execution of the same name with other contents while the first runs: refused, naming the config
        String other = ConfigLoader.toYaml(ConfigLoader.fromStored(asStarted.replace("epochs: 7", "epochs: 9"),
                "pinned", "test"));
        assertThat(other).isNotEqualTo(asStarted);
        assertThatThrownBy(() -> ConfigLoader.pin(name, other)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(name).hasMessageContaining("another execution");
        first.close();
        first.close(); // closing twice lets go once
        assertThat(ConfigLoader.load(name).fracture().study().epochs()).isEqualTo(7);
        second.close();
        assertThat(ConfigLoader.load(name).fracture().study().epochs()).isEqualTo(9);
        try (ConfigLoader.Pin again = ConfigLoader.pin(name, other)) {
            assertThat(ConfigLoader.load(name).fracture().study().epochs()).isEqualTo(9);
        }
    }

    @Test
    void aRemovedOptionIsRefusedInAConfigFileAndDroppedFromAStoredConfigThatHeldTodaysBehaviour(@TempDir Path tmp)
            throws Exception {
        Path file = Files.writeString(tmp.resolve("old.yaml"), "fracture:\n  slice_shift: false\n");
        assertThatThrownBy(() -> ConfigLoader.load(file.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config key 'fracture.slice_shift' was removed")
                .hasMessageContaining("delete it from the config");

        ExperimentConfig c = ConfigLoader.load("default");
        String resolved = ConfigLoader.toYaml(c);
        String kept = resolved.replaceFirst("\n  image_slices:", "\n  slice_shift: false\n  image_slices:");
        assertThat(kept).contains("slice_shift: false");
        assertThat(ConfigLoader.fromStored(kept, "old", "runs/old/config.yaml").fracture()).isEqualTo(c.fracture());

        String other = kept.replace("slice_shift: false", "slice_shift: true");
        assertThatThrownBy(() -> ConfigLoader.fromStored(other, "old", "runs/old/config.yaml"))
                .hasMessageStartingWith("runs/old/config.yaml does not load: config key 'fracture.slice_shift' was removed")
                .hasMessageContaining("stored with fracture.slice_shift: true, which no run can follow any more");
    }
}
