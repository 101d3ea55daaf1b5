package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vllava.engine.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class CudaGraphGpuTest {

    @Test
    void aCapturedStepReplaysTheSameWork() {
        CudaEngine gpu = Gpu.engine();
        Tensor x = gpu.upload(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor one = gpu.upload(new float[] {1, 1, 1, 1}, 1, 4);
        try (CudaGraph graph = CudaGraph.capture(gpu, () -> {
            Tensor tmp = gpu.allocate(1, 4);
            gpu.add(tmp, x, one);
            gpu.copy(x, tmp);
            tmp.close();
        })) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, gpu.download(x), "capture does not execute");
            graph.launch();
            graph.launch();
            graph.launch();
            assertArrayEquals(new float[] {4, 5, 6, 7}, gpu.download(x));
        }
    }
}
