package org.rsna22.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of README "Layout", top to bottom: cli (with the application class) → bench → batch → the stages
 * (labels, training, inference, fracture, submission; fracture trains with training's trainer) → model, demo, ops → io, dataset, config. No import points upward, stages do not
 * import each other, and no two packages import each other.
 */
class LayerRulesTest {

    private static final String[] STAGES_AND_ABOVE = {"cli", "bench", "batch", "labels", "training", "inference",
        "fracture", "submission"};

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.rsna22");
    }

    @Test
    void noImportPointsUpward() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("org.rsna22.cli..", "org.rsna22")
                .layer("bench").definedBy("org.rsna22.bench..")
                .layer("batch").definedBy("org.rsna22.batch..")
                .layer("labels").definedBy("org.rsna22.labels..")
                .layer("training").definedBy("org.rsna22.training..")
                .layer("inference").definedBy("org.rsna22.inference..")
                .layer("fracture").definedBy("org.rsna22.fracture..")
                .layer("submission").definedBy("org.rsna22.submission..")
                .layer("model").definedBy("org.rsna22.model..")
                .layer("demo").definedBy("org.rsna22.demo..")
                .layer("ops").definedBy("org.rsna22.ops..")
                .layer("io").definedBy("org.rsna22.io..")
                .layer("dataset").definedBy("org.rsna22.dataset..")
                .layer("config").definedBy("org.rsna22.config..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("batch").mayOnlyBeAccessedByLayers("cli", "bench")
                .whereLayer("labels").mayOnlyBeAccessedByLayers("cli", "bench", "batch")
                // the one trainer every model plugs into: the fracture stage trains its three models with it
                .whereLayer("training").mayOnlyBeAccessedByLayers("cli", "bench", "batch", "fracture")
                .whereLayer("inference").mayOnlyBeAccessedByLayers("cli", "bench", "batch")
                .whereLayer("fracture").mayOnlyBeAccessedByLayers("cli", "bench", "batch")
                .whereLayer("submission").mayOnlyBeAccessedByLayers("cli", "bench", "batch")
                .whereLayer("model").mayOnlyBeAccessedByLayers(STAGES_AND_ABOVE)
                .whereLayer("demo").mayOnlyBeAccessedByLayers(STAGES_AND_ABOVE)
                .whereLayer("ops").mayOnlyBeAccessedByLayers(STAGES_AND_ABOVE)
                .check(classes);
    }

    @Test
    void noTwoPackagesImportEachOther() {
        slices().matching("org.rsna22.(*)..").should().beFreeOfCycles().check(classes);
    }
}
