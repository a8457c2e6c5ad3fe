//! Which burn backend trains: the CPU (burn-flex) by default, an NVIDIA GPU with feature
//! `cuda`, any Vulkan/Metal/DX12 GPU with feature `wgpu` (`train --device` picks one).

/// CPU training backend: burn-flex, where each recurrent layer runs as one fused op
/// (`model::fused`); GRU 1x256, bs 64, bptt 64 on the 2-core dev machine: 25–28 k chars/s
/// against burn-ndarray's 10 k (`train bench --backend ndarray|flex`).
pub type Cpu = burn::backend::Autodiff<burn::backend::Flex>;

/// The other CPU backend, kept for that comparison.
pub type CpuNdarray = burn::backend::Autodiff<burn::backend::NdArray<f32>>;

/// NVIDIA GPU training backend (feature `cuda`).
#[cfg(feature = "cuda")]
pub type Cuda = burn::backend::Autodiff<burn::backend::Cuda<f32, i32>>;

/// Vulkan/Metal/DX12 GPU training backend (feature `wgpu`); Mesa's lavapipe counts.
#[cfg(feature = "wgpu")]
pub type Wgpu = burn::backend::Autodiff<burn::backend::Wgpu<f32, i32>>;

/// The CUDA device, or a message a person can act on.
#[cfg(feature = "cuda")]
pub fn cuda_device() -> Result<burn::backend::cuda::CudaDevice, String> {
    probe::<burn::backend::Cuda<f32, i32>>(
        burn::backend::cuda::CudaDevice::default,
        &["cuda", "nvrtc", "driver", "device"],
    )
    .map_err(|why| {
        format!(
            "no usable CUDA GPU: this build (--features cuda) trains on an NVIDIA GPU, and \
             creating the CUDA device failed{why}. Check `nvidia-smi` and that libcuda and \
             libnvrtc are installed, or train on the CPU with --device cpu."
        )
    })
}

/// The first wgpu device (a discrete GPU first, then integrated, then a software one), or a
/// message a person can act on.
#[cfg(feature = "wgpu")]
pub fn wgpu_device() -> Result<burn::backend::wgpu::WgpuDevice, String> {
    probe::<burn::backend::Wgpu<f32, i32>>(
        burn::backend::wgpu::WgpuDevice::default,
        &["adapter", "vulkan", "metal", "dx12", "device", "gpu"],
    )
    .map_err(|why| {
        format!(
            "no usable GPU for wgpu: this build (--features wgpu) trains on a Vulkan, Metal or \
             DirectX 12 GPU, and none could be opened{why}. Check `vulkaninfo --summary` (on \
             Linux without a GPU, Mesa's software device comes with the mesa-vulkan-drivers \
             package), or train on the CPU with --device cpu."
        )
    })
}

/// Makes a device and runs one small computation on it. burn panics inside device creation
/// when there is no GPU or driver; that panic is caught here and its output suppressed. Err
/// holds the panic's first line, as " (…)", when it names the cause (one of `keywords`).
#[cfg(any(feature = "cuda", feature = "wgpu"))]
fn probe<B: burn::tensor::backend::Backend>(
    make: impl Fn() -> B::Device + std::panic::RefUnwindSafe,
    keywords: &[&str],
) -> Result<B::Device, String> {
    use burn::tensor::Tensor;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = make();
        let t = Tensor::<B, 1>::ones([4], &device);
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
        // burn's panic text is often an internal channel error; keep it only when it names the
        // cause.
        let why = why.lines().next().unwrap_or("").to_string();
        let lower = why.to_lowercase();
        if keywords.iter().any(|k| lower.contains(k)) {
            format!(" ({why})")
        } else {
            String::new()
        }
    })
}
