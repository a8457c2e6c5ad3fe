//! Which burn backend trains: the CPU (burn-flex) by default, CUDA with feature `cuda`.

/// CPU training backend: burn-flex, where each recurrent layer runs as one fused op
/// (`model::fused`); GRU 1x256, bs 64, bptt 64 on the 2-core dev machine: 25–28 k chars/s
/// against burn-ndarray's 10 k (`train bench --backend ndarray|flex`).
pub type Cpu = burn::backend::Autodiff<burn::backend::Flex>;

/// The other CPU backend, kept for that comparison.
pub type CpuNdarray = burn::backend::Autodiff<burn::backend::NdArray<f32>>;

/// GPU training backend (feature `cuda`).
#[cfg(feature = "cuda")]
pub type Gpu = burn::backend::Autodiff<burn::backend::Cuda<f32, i32>>;

/// The CUDA device, or a message a person can act on. burn panics inside device creation when
/// there is no GPU or driver; that panic is caught here and its output suppressed.
#[cfg(feature = "cuda")]
pub fn cuda_device() -> Result<burn::backend::cuda::CudaDevice, String> {
    use burn::tensor::Tensor;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = burn::backend::cuda::CudaDevice::default();
        let t = Tensor::<burn::backend::Cuda<f32, i32>, 1>::ones([4], &device);
        let _ = t.sum().into_data();
        device
    });
    std::panic::set_hook(hook);
    probe.map_err(|e| {
        let why = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        // burn's panic text is often an internal channel error; keep it only when it names the cause.
        let why = why.lines().next().unwrap_or("").to_string();
        let lower = why.to_lowercase();
        let why = if ["cuda", "nvrtc", "driver", "device"].iter().any(|k| lower.contains(k)) { why } else { String::new() };
        format!(
            "no usable CUDA GPU: this build (--features cuda) trains on an NVIDIA GPU, and creating the CUDA \
             device failed{}. Check `nvidia-smi` and that libcuda and libnvrtc are installed, or build without \
             --features cuda to train on the CPU.",
            if why.is_empty() { String::new() } else { format!(" ({why})") }
        )
    })
}
