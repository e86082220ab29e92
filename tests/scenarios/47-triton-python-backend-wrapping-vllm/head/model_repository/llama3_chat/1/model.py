"""Triton Python model that serves Llama 3.1 8B through vLLM's async engine."""

import asyncio
import json
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils
from vllm import AsyncEngineArgs, AsyncLLMEngine, SamplingParams
from vllm.utils import random_uuid


class TritonPythonModel:
    def initialize(self, args):
        engine_config = json.loads((Path(__file__).parent / "model.json").read_text())
        self.engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(**engine_config))
        self.loop = asyncio.get_event_loop()

    async def _generate(self, request):
        sender = request.get_response_sender()
        prompt = pb_utils.get_input_tensor_by_name(request, "text_input").as_numpy()[0].decode()
        params_tensor = pb_utils.get_input_tensor_by_name(request, "sampling_parameters")
        params = json.loads(params_tensor.as_numpy()[0]) if params_tensor is not None else {}
        async for output in self.engine.generate(prompt, SamplingParams(**params), random_uuid()):
            text = np.array([o.text.encode() for o in output.outputs], dtype=np.object_)
            sender.send(pb_utils.InferenceResponse([pb_utils.Tensor("text_output", text)]))
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)

    def execute(self, requests):
        for request in requests:
            self.loop.create_task(self._generate(request))
        return None
