from fastapi import APIRouter

router = APIRouter(prefix="/cycles", tags=["cycles"])
