package org.rsna22.fracture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.io.geometry.LabelVolume;

/** The fracture stage's pure pieces, with hand-checked values. */
class FracturePiecesTest {

    @Test
    void m2sBackboneTakesItsOwnStemStrideAndM3sFractureStemStride(@TempDir Path tmp) throws IOException {
        Path yaml = Files.writeString(tmp.resolve("strides.yaml"), "fracture:\n  backbone: plain\n  stem_stride: 1\n"
                + "  vertebra:\n    stem_stride: 2\n");
        FractureConfig c = ConfigLoader.load(yaml.toString()).fracture();
        Shape image = new Shape(1, 3, 64, 64);
        // the backbone's first convolution: 32 x 32 outputs of a 64 x 64 image at stride 2, 64 x 64 at stride 1
        Block m2 = firstConvolution(SequenceTask.network(c, FractureModels.VERTEBRA, Device.cpu()));
        Block m3 = firstConvolution(SequenceTask.network(c, FractureModels.SLICE_FRACTURE, Device.cpu()));
        assertThat(m2.getOutputShapes(new Shape[] {image})[0]).isEqualTo(new Shape(1, c.width(), 32, 32));
        assertThat(m3.getOutputShapes(new Shape[] {image})[0]).isEqualTo(new Shape(1, c.width(), 64, 64));
    }

    private static Block firstConvolution(Block sequenceNet) {
        Pair<String, Block> cnn = sequenceNet.getChildren().get(0); // DJL names it "01cnn"
        assertThat(cnn.getKey()).endsWith("cnn");
        return cnn.getValue().getChildren().get(0).getValue();
    }

    @Test
    void windowsOverlapByHalfAndTheLastEndsAtTheStudyEnd() {
        assertThat(SequenceTask.windowStarts(5, 8)).containsExactly(0);
        assertThat(SequenceTask.windowStarts(8, 8)).containsExactly(0);
        assertThat(SequenceTask.windowStarts(20, 8)).containsExactly(0, 4, 8, 12);
        assertThat(SequenceTask.windowStarts(21, 8)).containsExactly(0, 4, 8, 12, 13);
    }

    @Test
    void imagesAreSliceTripletsWithTheLastOneRepeated() {
        assertThat(CropStore.images(9)).isEqualTo(3);
        assertThat(CropStore.images(10)).isEqualTo(4);
        assertThat(CropStore.middleSlice(0, 0, 10)).isEqualTo(1);
        assertThat(CropStore.middleSlice(3, 0, 10)).isEqualTo(9); // slices 9, 9, 9
    }

    @Test
    void aShiftedImageReadsTheSlicesFurtherOnAndItsLabelMovesWithIt(@TempDir Path tmp) throws IOException {
        // a 2x2 crop of 7 slices; pixel 0 of slice s is s·100 HU, the others pin each slice's min-max to the
        // window's range [-500, 1300], so pixel 0 reads back as (s·100 + 500) / 1800
        short[][] hu = new short[7][];
        for (int s = 0; s < 7; s++) {
            hu[s] = new short[] {(short) (s * 100), 1300, -500, 1300};
        }
        assertThat(CropStore.middleSlice(1, 0, 7)).isEqualTo(4);
        assertThat(CropStore.middleSlice(1, 2, 7)).isEqualTo(6);
        assertThat(CropStore.middleSlice(2, 2, 7)).isEqualTo(6); // past the end: the last slice
        assertThat(CropStore.middleSlice(1, -1, 7)).isEqualTo(3); // towards the head: the image's first slice
        assertThat(CropStore.middleSlice(0, -1, 7)).isEqualTo(0);
        StudyCrop crop = new StudyCrop("1.2.3", 2, new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {0, 0, 2}, hu);
        CropStore store = new CropStore(new org.rsna22.dataset.WorkLayout(tmp), 2, 400, 1800, 4);
        float[] plain = new float[12];
        float[] shifted = new float[12];
        store.image(crop, 1, plain, 0);
        store.image(crop, 1, 1, shifted, 0);
        // slices 3, 4, 5 against 4, 5, 6: pixel 0 of each plane is (HU + 500) / 1800 after the min-max
        assertThat(plain[0]).isCloseTo(800f / 1800, within(1e-5f));
        assertThat(shifted[0]).isCloseTo(900f / 1800, within(1e-5f));
        assertThat(shifted[4]).isCloseTo(plain[8], within(1e-5f));
        // image_slices 1: the three planes all hold the middle slice (4, or 5 when shifted by one)
        CropStore middle = new CropStore(new org.rsna22.dataset.WorkLayout(tmp), Subset.TRAIN, 2, 400, 1800, 4, true, true);
        float[] one = new float[12];
        middle.image(crop, 1, 1, one, 0);
        assertThat(new float[] {one[0], one[4], one[8]}).containsOnly(1000f / 1800);
    }

    @Test
    void cropIsTheSquareAboutTheBoxWithAirOutsideTheImage() {
        // a 4×4 image 0..15; the square at (-1, -1) of side 2 covers one air row and column, then pixel 0
        short[] image = new short[16];
        for (int i = 0; i < 16; i++) {
            image[i] = (short) i;
        }
        assertThat(CropBuilder.cut(image, 4, 4, -1, -1, 2, 2)).containsExactly(CropBuilder.AIR, CropBuilder.AIR,
                CropBuilder.AIR, (short) 0);
        // the whole image at half size: bilinear means of 2×2 blocks (centres aligned)
        assertThat(CropBuilder.cut(image, 4, 4, 0, 0, 4, 2)).containsExactly((short) 3, (short) 5, (short) 11,
                (short) 13);
    }

    @Test
    void aCachedCropIsReusedOnlyForTheSameBoxRangeAndSize(@TempDir Path tmp) throws IOException {
        CropBuilder builder = new CropBuilder(tmp, null, 2, 1);
        int[] box = {10, 20, 19, 25};                         // 10 wide, 6 high: a square of side 10 about (15, 23)
        assertThat(CropBuilder.square(box)).containsExactly(10, 18, 10);
        int[] slices = {1, 2, 3, 4, 5, 6};
        // slices 3..5 with a margin of 1 → 2..6, stored head to feet
        new StudyCrop("u", 2, new int[] {6, 5, 4, 3, 2}, CropBuilder.square(box), new short[5][4]).write(tmp.resolve("u"));
        StudyCrop.Header h = StudyCrop.readHeader(tmp.resolve("u"));
        assertThat(builder.matches(h, box, 3, 5, slices)).isTrue();
        assertThat(builder.matches(h, box, 3, 4, slices)).as("another slice range").isFalse();
        assertThat(builder.matches(h, new int[] {11, 20, 19, 25}, 3, 5, slices)).as("another box").isFalse();
        assertThat(new CropBuilder(tmp, null, 4, 1).matches(h, box, 3, 5, slices)).as("another size").isFalse();
    }

    @Test
    void vertebraSharesAreCountsOverTheStudyMaximum() {
        byte[] a = {1, 1, 2, 0};
        byte[] b = {1, 0, 9, 0};   // label 9 (T2) does not count
        byte[] c = {0, 0, 0, 0};
        List<String> rows = VertebraLabelsTasklet.rows("u", List.of(4, 5, 6), LabelVolume.of(2, 2, a, b, c));
        assertThat(rows).containsExactly(
                "u,4,1.0000,1.0000,0,0,0,0,0",
                "u,5,0.5000,0.0000,0,0,0,0,0",
                "u,6,0.0000,0.0000,0,0,0,0,0");
    }

    @Test
    void longStudiesAreResizedOverTimeShortOnesKept() {
        // 3 images of 1 feature: 0, 10, 20; to 5 steps: 0, 5, 10, 15, 20
        StudyEmbedding e = new StudyEmbedding("u", 3, 1, new float[] {0, 10, 20});
        assertThat(e.fitted(8)).containsExactly(0, 10, 20);
        StudyEmbedding longer = new StudyEmbedding("u", 5, 2, new float[] {0, 1, 10, 11, 20, 21, 30, 31, 40, 41});
        assertThat(longer.fitted(3)).containsExactly(new float[] {0, 1, 20, 21, 40, 41}, within(1e-6f));
        assertThat(longer.fittedLength(3)).isEqualTo(3);
    }

    @Test
    void cropsAndEmbeddingsSurviveTheirFiles(@TempDir Path tmp) throws IOException {
        StudyCrop crop = new StudyCrop("1.2.3", 2, new int[] {7, 6}, new int[] {1, 2, 3},
                new short[][] {{-1024, 0, 5, 1300}, {1, 2, 3, 4}});
        crop.write(tmp.resolve("a.crop"));
        StudyCrop back = StudyCrop.read(tmp.resolve("a.crop"));
        assertThat(back.studyUid()).isEqualTo("1.2.3");
        assertThat(back.sliceNumbers()).containsExactly(7, 6);
        assertThat(back.box()).containsExactly(1, 2, 3);
        assertThat(back.hu()[0]).containsExactly((short) -1024, (short) 0, (short) 5, (short) 1300);
        assertThat(StudyCrop.readSlices(tmp.resolve("a.crop"))).isEqualTo(2);
        // both codecs give the same slices back; a CT-like crop compresses (HU's high bytes barely change)
        short[][] ct = new short[20][64 * 64];
        java.util.Random r = new java.util.Random(3);
        for (short[] plane : ct) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = (short) (i % 64 < 20 ? -1000 + r.nextInt(30) : 40 + r.nextInt(60) + (i % 9 == 0 ? 900 : 0));
            }
        }
        StudyCrop big = new StudyCrop("1.2.4", 64, java.util.stream.IntStream.range(1, 21).toArray(),
                new int[] {0, 0, 64}, ct);
        big.write(tmp.resolve("raw.crop"), StudyCrop.Codec.RAW);
        big.write(tmp.resolve("zstd.crop"), StudyCrop.Codec.ZSTD_SHUFFLED);
        for (String f : new String[] {"raw.crop", "zstd.crop"}) {
            short[][] read = StudyCrop.read(tmp.resolve(f)).hu();
            for (int i = 0; i < ct.length; i++) {
                assertThat(read[i]).as(f + " slice " + i).containsExactly(ct[i]);
            }
        }
        assertThat(java.nio.file.Files.size(tmp.resolve("zstd.crop")) * 2)
                .isLessThan(java.nio.file.Files.size(tmp.resolve("raw.crop")));
        StudyEmbedding e = new StudyEmbedding("1.2.3", 2, 2, new float[] {0.5f, -1, 3, 4});
        e.write(tmp.resolve("a.emb"));
        assertThat(StudyEmbedding.read(tmp.resolve("a.emb")).values()).containsExactly(0.5f, -1, 3, 4);
    }

    @Test
    void pseudoLabelsAreSharesTimesLabelsAndWithBoxesOnlyNearABoxedSlice(@TempDir Path tmp) throws IOException {
        // labels in TARGETS order: overall, C1..C7; C2 fractured
        FractureStudy s = new FractureStudy("1.2.3", 0, new int[] {1, 0, 1, 0, 0, 0, 0, 0}, new int[] {0, 0, 9, 9}, 10,
                15, new int[] {10, 11, 12, 13, 14, 15});
        StudyCrop crop = new StudyCrop("1.2.3", 16, new int[] {10, 11, 12, 13, 14, 15}, new int[] {0, 0, 9, 9},
                new short[6][256]);
        float[][] perImage = {{0.2f, 0.5f, 0, 0, 0, 0, 0}, {0.1f, 1.25f, 0, 0, 0, 0, 0}};
        List<String> plain = PseudoLabelsTasklet.rows(s, crop, perImage, null, 1);
        assertThat(plain.get(0)).isEqualTo("1.2.3,10,0.2000,0.5000,0.0000,0.0000,0.0000,0.0000,0.0000,"
                + "0.0000,0.5000,0.0000,0.0000,0.0000,0.0000,0.0000");
        assertThat(plain.get(4)).startsWith("1.2.3,14,0.1000,1.0000,").endsWith(",0.0000,1.0000,0.0000,0.0000,0.0000,0.0000,0.0000");
        // a fracture box on slice 12: slices 11..13 keep their targets, 10, 14 and 15 lose them
        List<String> boxed = PseudoLabelsTasklet.rows(s, crop, perImage, Set.of(12), 1);
        // images of one slice (image_slices 1, reach 0): only slice 12 keeps its target
        List<String> exact = PseudoLabelsTasklet.rows(s, crop, perImage, Set.of(12), 0);
        for (int i = 0; i < 6; i++) {
            String frac = boxed.get(i).split(",")[10];
            assertThat(frac).as("C2_frac of slice " + (10 + i)).isEqualTo(i >= 1 && i <= 3 ? plain.get(i).split(",")[10]
                    : "0.0000");
            assertThat(exact.get(i).split(",")[10]).as("C2_frac of slice " + (10 + i) + ", reach 0")
                    .isEqualTo(i == 2 ? plain.get(i).split(",")[10] : "0.0000");
        }
        Path csv = tmp.resolve("train_bounding_boxes.csv");
        Files.writeString(csv, "StudyInstanceUID,x,y,width,height,slice_number\n1.2.3,1,2,3,4,12\n1.2.3,1,2,3,4,13\n"
                + "4.5.6,0,0,1,1,7\n");
        assertThat(PseudoLabelsTasklet.fractureSlices(csv)).containsOnly(
                Map.entry("1.2.3", Set.of(12, 13)), Map.entry("4.5.6", Set.of(7)));
        assertThat(PseudoLabelsTasklet.fractureSlices(tmp.resolve("absent.csv"))).isEmpty();
    }

    @Test
    void theEightTurnsOfASquareAreItsMirrorsQuarterTurnsAndTransposes() {
        // one plane of 3x3 (values 0..8 row by row) after a 2-value prefix that stays put; a second plane follows
        float[] plane = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        float[][] expected = {
            {0, 1, 2, 3, 4, 5, 6, 7, 8}, // none
            {2, 1, 0, 5, 4, 3, 8, 7, 6}, // left-right mirror
            {6, 7, 8, 3, 4, 5, 0, 1, 2}, // top-bottom mirror
            {8, 7, 6, 5, 4, 3, 2, 1, 0}, // both: a half turn
            {0, 3, 6, 1, 4, 7, 2, 5, 8}, // transpose
            {2, 5, 8, 1, 4, 7, 0, 3, 6}, // mirror then transpose: a quarter turn anticlockwise
            {6, 3, 0, 7, 4, 1, 8, 5, 2}, // top-bottom then transpose: a quarter turn clockwise
            {8, 5, 2, 7, 4, 1, 6, 3, 0}, // the anti-diagonal mirror
        };
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int turn = 0; turn < 8; turn++) {
            float[] a = new float[2 + 18];
            a[0] = -1;
            a[1] = -2;
            System.arraycopy(plane, 0, a, 2, 9);
            System.arraycopy(plane, 0, a, 11, 9);
            SequenceTask.turn(a, 2, 2, 3, turn);
            assertThat(java.util.Arrays.copyOfRange(a, 0, 2)).containsExactly(-1, -2);
            assertThat(java.util.Arrays.copyOfRange(a, 2, 11)).as("turn " + turn).containsExactly(expected[turn]);
            assertThat(java.util.Arrays.copyOfRange(a, 11, 20)).as("turn " + turn + ", second plane")
                    .containsExactly(expected[turn]);
            seen.add(java.util.Arrays.toString(expected[turn]));
        }
        assertThat(seen).as("eight different turns").hasSize(8);
    }

    @Test
    void aFracturedVertebrasBagIsEveryImageWhereItHoldsHalfTheSliceOrMore() {
        // 15 slices, 5 images (middle slices 1, 4, 7, 10, 13 of the crop; slice numbers 101..115); C3 fractured (its
        // fracture targets above 0), C4 not: C3's share is 0.8 on crop slices 4-8 and 0.3 on 9-11, C4's 0.9 on 12-14
        int[] numbers = java.util.stream.IntStream.rangeClosed(101, 115).toArray();
        StudyCrop crop = new StudyCrop("1.2.3", 2, numbers, new int[] {0, 0, 2}, new short[15][4]);
        Map<Integer, float[]> targets = new java.util.HashMap<>();
        for (int i = 0; i < 15; i++) {
            float[] t = new float[15];
            t[2] = i >= 4 && i <= 8 ? 0.8f : i >= 9 && i <= 11 ? 0.3f : 0;
            t[7 + 2] = t[2];
            t[3] = i >= 12 ? 0.9f : 0;
            t[14] = t[9];
            targets.put(numbers[i], t);
        }
        assertThat(SequenceTask.fracturedVertebrae(crop, 0, targets, 15)).containsExactly(new int[] {1, 2});
        // moved a slice towards the head, images 1 and 2 read slices 3 and 6: the bag is image 2 alone
        assertThat(SequenceTask.fracturedVertebrae(crop, -1, targets, 15)).containsExactly(new int[] {2, 2});
        // an unfractured study has no bag; M2 has no fracture targets
        targets.values().forEach(t -> java.util.Arrays.fill(t, 7, 15, 0));
        assertThat(SequenceTask.fracturedVertebrae(crop, 0, targets, 15)).isEmpty();
        assertThat(SequenceTask.fracturedVertebrae(crop, 0, targets, 7)).isEmpty();
    }

    @Test
    void onlyTheWindowsOfUnlocatedStudiesThatHoldAWholeFracturedVertebraCarryItsBag(@TempDir Path tmp) throws Exception {
        // two fractured studies of 24 slices (8 images, windows of 4 at images 0 and 2 and 4): "located" has crack
        // boxes, "unlocated" has none; in both C3 (fractured) holds crop slices 9-14, i.e. images 3 and 4
        Path yaml = Files.writeString(tmp.resolve("mil.yaml"), "fracture:\n  crop_size: 16\n  images_per_window: 4\n"
                + "  box_labels: true\n  image_loss_weight: 1\n  image_mil_weight: 1\n");
        FractureConfig c = ConfigLoader.load(yaml.toString()).fracture();
        org.rsna22.dataset.WorkLayout work = new org.rsna22.dataset.WorkLayout(tmp.resolve("work"));
        CropStore crops = new CropStore(work, Subset.TRAIN, 16, 400, 1800, 1 << 20, false, true);
        Map<String, Map<Integer, float[]>> targets = new java.util.HashMap<>();
        for (String uid : List.of("located", "unlocated")) {
            int[] numbers = java.util.stream.IntStream.range(0, 24).toArray();
            StudyCrop crop = new StudyCrop(uid, 16, numbers, new int[] {0, 0, 16}, new short[24][256]);
            Files.createDirectories(work.crops(16));
            crop.write(work.crop(Subset.TRAIN, 16, uid));
            Map<Integer, float[]> t = new java.util.HashMap<>();
            for (int n : numbers) {
                float[] v = new float[15];
                v[2] = n >= 9 && n <= 14 ? 0.9f : 0;
                v[9] = uid.equals("located") && n != 13 ? 0 : v[2]; // the located crack: slice 13 (image 4)
                v[14] = v[9];
                t.put(n, v);
            }
            targets.put(uid, t);
        }
        SequenceTask task = new SequenceTask(FractureModels.SLICE_FRACTURE, new org.rsna22.training.TrainingSettings("t",
                1, 1, 1, 1e-3, 0, 0, false, 1, 1), c, crops, targets, 2, List.of("located", "unlocated"),
                List.of(), false, null, Set.of("unlocated"));
        assertThat(task.trainSamples()).isEqualTo(6);
        List<Integer> order = java.util.stream.IntStream.range(0, 6).boxed().toList();
        org.rsna22.training.HostBatch b = task.batch(order, 0, 6, 3, true);
        assertThat(b.labels()).hasSize(4);
        float[] located = b.labels().get(2).data();
        float[] bag = b.labels().get(3).data();
        // windows 0-2: the located study's, every image in the image term, no bag; windows 3-5: the unlocated one's,
        // none in the image term; only the window of images 2-5 holds images 3 and 4 whole
        float[] expectedBag = new float[24];
        expectedBag[4 * 4 + 1] = 1;
        expectedBag[4 * 4 + 2] = 1;
        assertThat(bag).containsExactly(expectedBag);
        for (int i = 0; i < 24; i++) {
            assertThat(located[i]).as("image term mask " + i).isEqualTo(i < 12 ? 1f : 0f);
        }
        // fracture.augment: dihedral turns the windows of M3 and M2 by all 8 symmetries, flip only mirrors them: one
        // bright pixel (row 0, column 1) of a 16-pixel crop lands on 8 places, or 2
        short[][] dot = new short[24][256];
        for (short[] plane : dot) {
            java.util.Arrays.fill(plane, (short) -500);
            plane[1] = 1300;
        }
        new StudyCrop("dot", 16, java.util.stream.IntStream.range(0, 24).toArray(), new int[] {0, 0, 16}, dot)
                .write(work.crop(Subset.TRAIN, 16, "dot"));
        targets.put("dot", targets.get("located"));
        Path turned = Files.writeString(tmp.resolve("turned.yaml"), Files.readString(yaml) + "  augment: dihedral\n");
        for (String model : new String[] {FractureModels.SLICE_FRACTURE, FractureModels.VERTEBRA, "flip"}) {
            // "flip": M3 with fracture.augment: flip
            boolean flip = model.equals("flip");
            FractureConfig t = ConfigLoader.load(flip ? yaml.toString() : turned.toString()).fracture();
            SequenceTask dotTask = new SequenceTask(flip ? FractureModels.SLICE_FRACTURE : model,
                    new org.rsna22.training.TrainingSettings("t", 1, 1, 1, 1e-3, 0, 0, false, 1, 1), t, crops, targets,
                    2, List.of("dot"), List.of(), false, null, Set.of());
            Set<Integer> places = new java.util.TreeSet<>();
            for (long seed = 0; seed < 64; seed++) {
                float[] x = dotTask.batch(List.of(0), 0, 1, seed, true).inputs().get(0).data();
                int brightest = 0;
                for (int i = 1; i < 256; i++) {
                    brightest = x[i] > x[brightest] ? i : brightest;
                }
                places.add(brightest);
            }
            // 1: as it is; 14: mirrored; 241: upside down; 16: transposed; and the turns between
            assertThat(places).as(model).isEqualTo(!flip
                    ? Set.of(1, 14, 16, 31, 224, 239, 254, 241) : Set.of(1, 14));
        }
        // without the weight there is no bag label
        Path plain = Files.writeString(tmp.resolve("plain.yaml"), "fracture:\n  crop_size: 16\n  images_per_window: 4\n"
                + "  box_labels: true\n  image_loss_weight: 1\n");
        assertThat(new SequenceTask(FractureModels.SLICE_FRACTURE, new org.rsna22.training.TrainingSettings("t", 1, 1, 1,
                1e-3, 0, 0, false, 1, 1), ConfigLoader.load(plain.toString()).fracture(), crops, targets, 2,
                List.of("located", "unlocated"), List.of(), false, null, Set.of("unlocated"))
                .batch(order, 0, 6, 3, true).labels()).hasSize(3);
    }

    @Test
    void minStepsAddsEpochsOnlyWhenTheDataGivesFewerSteps(@TempDir Path tmp) throws Exception {
        Path yaml = Files.writeString(tmp.resolve("steps.yaml"), "fracture:\n  vertebra:\n    epochs: 6\n"
                + "    batch_size: 1\n    min_steps: 900\n    limit_train_batches: 0.5\n");
        FractureModels models = new FractureModels(new org.rsna22.dataset.WorkLayout(tmp),
                ConfigLoader.load(yaml.toString()));
        org.rsna22.training.TrainingSettings m = models.settings(FractureModels.VERTEBRA);
        // 2,000 windows, half of each epoch's batches: 1,000 steps an epoch, the 6 epochs as set
        assertThat(m.forSamples(2000).epochs()).isEqualTo(6);
        // 114 windows (a quarter of the studies segmented): 57 steps an epoch, 16 epochs for 900 steps
        assertThat(m.forSamples(114).epochs()).isEqualTo(16);
        assertThat(org.rsna22.training.ModelTrainer.totalSteps(114, m)).isEqualTo(16 * 57);
        Path plain = Files.writeString(tmp.resolve("plain.yaml"), "fracture:\n  vertebra:\n    epochs: 6\n");
        assertThat(new FractureModels(new org.rsna22.dataset.WorkLayout(tmp), ConfigLoader.load(plain.toString()))
                .settings(FractureModels.VERTEBRA).forSamples(10).epochs()).isEqualTo(6);
    }
}
