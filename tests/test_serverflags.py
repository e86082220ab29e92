import pytest

from bot.ingest.serverflags import detect_server, server_flags


def test_equals_and_separate_values():
    argv = ["--model=meta-llama/Llama-3.1-8B", "--max-model-len", "8192", "--enforce-eager"]
    assert server_flags(argv) == {"model": "meta-llama/Llama-3.1-8B", "max-model-len": "8192",
                                  "enforce-eager": ""}


def test_underscores_and_last_occurrence_win():
    flags = server_flags(["--max_num_seqs", "64", "--max-num-seqs=128"])
    assert flags == {"max-num-seqs": "128"}


def test_single_shell_string_with_continuations():
    argv = ["/bin/sh", "-c",
            "vllm serve Qwen/Qwen2-7B \\\n  --tensor-parallel-size 2 \\\n"
            "  --max-num-batched-tokens=4096 && echo done"]
    flags = server_flags(argv)
    assert flags["tensor-parallel-size"] == "2"
    assert flags["max-num-batched-tokens"] == "4096"
    assert "c" not in flags  # the shell's `-c` is not a server flag
    assert "done" not in flags.values()


def test_negative_number_is_a_value_and_positional_words_are_skipped():
    flags = server_flags(["text-generation-launcher", "model-id", "--max-batch-size", "-1"])
    assert flags == {"max-batch-size": "-1"}


def test_unbalanced_quotes_fall_back_to_words():
    flags = server_flags(["bash", "-c", "vllm serve 'x --max-model-len 4096"])
    assert flags["max-model-len"] == "4096"


def test_shell_operator_ends_a_value():
    assert server_flags(["tritonserver --model-repository /m ; sleep 1"]) == {
        "model-repository": "/m"}


@pytest.mark.parametrize(("image", "argv", "server"), [
    ("vllm/vllm-openai:v0.6.3", ["--model", "m"], "vllm"),
    ("python:3.11", ["python3", "-m", "vllm.entrypoints.openai.api_server"], "vllm"),
    ("busybox", ["sh", "-c", "/usr/local/bin/vllm serve m --port 8000"], "vllm"),
    ("ghcr.io/huggingface/text-generation-inference:2.4", [], "tgi"),
    ("custom:1", ["text-generation-launcher", "--model-id", "m"], "tgi"),
    ("nvcr.io/nvidia/tritonserver:24.08-py3", [], "triton"),
    ("custom:1", ["tritonserver", "--model-repository=/models"], "triton"),
    ("nginx:1.27", ["nginx", "-g", "daemon off;"], None),
])
def test_detect_server(image, argv, server):
    assert detect_server(image, argv) == server
